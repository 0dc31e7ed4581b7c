"""The library's storage backend on S3-compatible object storage (STORAGES["library"] when
MEDIA_STORAGE=s3): imported only then, so boto3 is never loaded otherwise."""

from storages.backends.s3 import S3Storage


class PrivateS3Storage(S3Storage):
    """Library files in a bucket (or a prefix) nobody may read without credentials. Like
    library.storage.PrivateFileSystemStorage it has no URL: the files leave only through
    the library's permission-checked, counted views, which stream them from the bucket."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise ValueError("Library files have no public URL: link to the library's views.")
