"""Code the stages share: records, the shared parse, frames, per-article isolation, dates."""
