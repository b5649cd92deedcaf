pub fn run(_json: bool) -> Result<(), fieldreport_server::ServerError> {
    Err(fieldreport_server::ServerError::Internal("demo not built yet".into()))
}
