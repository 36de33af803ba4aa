"""The embedded scenarios: the default ``ballerup_2017`` and its variants, as TOML files."""
