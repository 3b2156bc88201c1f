//! Where result bytes go: one directory, every file written atomically.
//!
//! Each file is written to a temporary file in the same directory and renamed into place, so a
//! reader never sees a half-written file and a failed run leaves earlier results intact.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// A result directory.
pub struct OutputDir {
    path: PathBuf,
    created: bool,
}

/// An output problem, naming the path.
#[derive(Debug, thiserror::Error)]
#[error("{}", path.display())]
pub struct OutputError {
    /// The file or directory.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: io::Error,
}

impl OutputDir {
    /// Creates `path` (and parents) if needed and checks that it is a writable directory.
    pub fn create(path: &Path) -> Result<OutputDir, OutputError> {
        let err = |source| OutputError {
            path: path.to_path_buf(),
            source,
        };
        let existed = path.is_dir();
        fs::create_dir_all(path).map_err(err)?;
        // Probe writability now, before a long run, rather than at the end.
        temp_file(path).map_err(err)?;
        Ok(OutputDir {
            path: path.to_path_buf(),
            created: !existed,
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` to `name` atomically.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, OutputError> {
        let mut file = self.staged(name)?;
        file.write_all(bytes).map_err(|e| file.error(e))?;
        file.commit()
    }

    /// Starts writing `name`; the file appears only when [`StagedFile::commit`] succeeds.
    pub fn staged(&self, name: &str) -> Result<StagedFile, OutputError> {
        let target = self.path.join(name);
        let tmp = temp_file(&self.path).map_err(|source| OutputError {
            path: target.clone(),
            source,
        })?;
        Ok(StagedFile {
            out: BufWriter::new(tmp),
            target,
        })
    }

    /// Removes the directory if this run created it and left nothing in it.
    pub fn discard_if_empty(self) {
        if self.created {
            let _ = fs::remove_dir(&self.path);
        }
    }
}

/// A temporary file in `dir` that becomes an ordinary result file (readable by everyone, as
/// the umask allows) when renamed; `NamedTempFile` alone would leave it private (0600).
fn temp_file(dir: &Path) -> io::Result<NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".spacesim-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(dir)
}

/// A file being written; dropped without [`commit`](StagedFile::commit), it disappears.
pub struct StagedFile {
    out: BufWriter<NamedTempFile>,
    target: PathBuf,
}

impl StagedFile {
    /// An error about this file.
    pub fn error(&self, source: io::Error) -> OutputError {
        OutputError {
            path: self.target.clone(),
            source,
        }
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        let target = self.target;
        let err = |source| OutputError {
            path: target.clone(),
            source,
        };
        let tmp = self.out.into_inner().map_err(|e| err(e.into_error()))?;
        tmp.as_file().sync_all().map_err(err)?;
        tmp.persist(&target).map_err(|e| err(e.error))?;
        Ok(target)
    }
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_appear_only_on_commit() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutputDir::create(&dir.path().join("run")).unwrap();
        let mut staged = out.staged("a.txt").unwrap();
        staged.write_all(b"hello").unwrap();
        assert!(!out.path().join("a.txt").exists());
        staged.commit().unwrap();
        assert_eq!(fs::read(out.path().join("a.txt")).unwrap(), b"hello");
        let dropped = out.staged("b.txt").unwrap();
        drop(dropped);
        assert!(!out.path().join("b.txt").exists());
        let names: Vec<_> = fs::read_dir(out.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn an_unwritable_place_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        fs::write(&file, b"x").unwrap();
        let err = OutputDir::create(&file.join("sub"))
            .err()
            .expect("cannot create under a file");
        assert!(err.to_string().contains("plain-file"));
    }
}
