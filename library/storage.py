"""Where library files live: the "library" storage alias (settings.STORAGES), a private
location that no static or media URL serves. Every file, cover images included, leaves
through a view that checks who is asking (library.views)."""

from django.core.files.storage import FileSystemStorage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """A file system storage without URLs: a template or widget asking for one is a bug
    that would point readers past the permission check, so it fails loudly."""

    def url(self, name):
        raise ValueError("Library files have no public URL: link to the library's views.")


def library_storage():
    # A callable, so migrations do not freeze the backend and settings can swap it (an S3
    # bucket without public reads in production, for instance).
    return storages["library"]
