"""kefu: the property customer-service handbook, as code."""

__version__ = "0.1.0"
