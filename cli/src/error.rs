//! The CLI's errors and their exit codes: 2 for bad input, 1 for everything else.

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Core(#[from] fieldreport_core::Error),
    /// The command line itself was wrong (a missing flag, flags that go together).
    #[error("{0}")]
    Usage(String),
    /// The store holds damaged records (`doctor`).
    #[error("{0}")]
    Damaged(String),
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The shared model's refusals (a bad date, amount, stage) are the device's.
impl From<fieldreport_core::ProtocolError> for CliError {
    fn from(e: fieldreport_core::ProtocolError) -> Self {
        CliError::Core(e.into())
    }
}

impl CliError {
    /// Whether the output went to a reader that stopped reading (`… | head`): the command ends
    /// quietly, as a pipeline expects.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, CliError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
            || matches!(self, CliError::Json(e) if e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Core(e) if e.is_bad_input() => 2,
            CliError::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// Result of a command.
pub type CliResult<T = ()> = Result<T, CliError>;
