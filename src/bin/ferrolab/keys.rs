//! `ferrolab keys`: the configuration keys, as the C surface and the Rust API know them.

/// Options of `ferrolab keys`.
#[derive(clap::Args)]
pub struct Args {
    /// Only keys starting with this prefix (e.g. `pf.`).
    #[arg(default_value = "")]
    prefix: String,
    /// Print the whole reference as Markdown (the text of docs/keys.md) instead.
    #[arg(long)]
    markdown: bool,
}

pub fn run(args: &Args) -> Result<(), String> {
    if args.markdown {
        print!("{}", ferrolab::keys_markdown());
        return Ok(());
    }
    let keys: Vec<_> = ferrolab::keys()
        .iter()
        .filter(|k| k.name.starts_with(&args.prefix))
        .collect();
    if keys.is_empty() {
        return Err(format!(
            "no configuration key starts with \"{}\"",
            args.prefix
        ));
    }
    for k in keys {
        println!("{}", k.describe());
    }
    Ok(())
}
