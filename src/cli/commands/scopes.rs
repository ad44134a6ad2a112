//! Scope arguments: repeatable, and each may hold several space-separated scopes.

/// Flattens `--scope "a b" --scope c` into `[a, b, c]`.
pub fn flatten(args: &[String]) -> Vec<String> {
    args.iter()
        .flat_map(|s| s.split_whitespace())
        .map(str::to_owned)
        .collect()
}
