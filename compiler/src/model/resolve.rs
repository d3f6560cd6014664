//! Name resolution and value validation: syntax tree to [`Model`](super::Model).
