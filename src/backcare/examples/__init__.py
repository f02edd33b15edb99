"""Public example cases (copied from ../shared/vignettes so the project stands alone)."""
