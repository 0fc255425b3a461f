"""Nomenclature of cases and retention rules.

Pure Python: no imports from ``service``, Litestar, PyMongo or minio; today's date is always
passed in. Filled by the retention work (nomenclature, cases, due dates, destruction acts).
"""
