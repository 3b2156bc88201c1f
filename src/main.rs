//! The `spacesim` binary: everything happens in [`spacesim::cli`].

fn main() -> std::process::ExitCode {
    spacesim::cli::main()
}
