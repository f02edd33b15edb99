"""backcare: evidence-based decision support for massage therapy for back pain."""

__version__ = "0.1.0"
