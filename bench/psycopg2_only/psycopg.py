# On PYTHONPATH, this makes `import psycopg` fail, so Django falls back to psycopg2: the
# benchmark's way to measure the driver the project ran before (when psycopg2 is installed).
raise ImportError("psycopg 3 hidden by bench/psycopg2_only")
