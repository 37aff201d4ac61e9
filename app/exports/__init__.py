"""Export of approved letters to the records system (ESDH): sealed, reproducible bundles."""
