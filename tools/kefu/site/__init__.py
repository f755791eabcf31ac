"""The handbook website: MkDocs hooks that generate every page from the model."""
