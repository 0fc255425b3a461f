"""Storage behind narrow interfaces: MongoDB repositories and the S3 object store."""
