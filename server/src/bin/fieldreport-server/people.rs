//! The `user`, `device` and `session` commands: the team's members, their devices and their
//! dashboard sessions.

use clap::Subcommand;
use fieldreport_protocol::period::Calendar;
use fieldreport_protocol::text::table;
use fieldreport_server::service::UserEdit;
use fieldreport_server::{ServerError, Service};
use serde_json::json;

use crate::print;

type R = Result<(), ServerError>;

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add a user; prints the id and a one-time, expiring enrollment code.
    Add {
        #[arg(long)]
        name: String,
        /// rep, manager or admin.
        #[arg(long)]
        role: String,
        /// The user's manager: their name or user id.
        #[arg(long)]
        manager: Option<String>,
        /// Mobile number, for @mentions in DingTalk and WeCom group robots.
        #[arg(long)]
        phone: Option<String>,
        /// Their department: its name or id (default the root, the whole team).
        #[arg(long)]
        dept: Option<String>,
        /// The day they joined the team (YYYY-MM-DD, in the team's zone; default now): reports
        /// are owed and targets count from then.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
    },
    /// Change a user's name, role, manager or phone; deactivate or reactivate them.
    Edit {
        /// The user: their name or id.
        user_id: String,
        #[arg(long)]
        name: Option<String>,
        /// rep, manager or admin.
        #[arg(long)]
        role: Option<String>,
        /// The new manager: their name or user id; `none` removes the manager.
        #[arg(long)]
        manager: Option<String>,
        /// Move them to this department (name or id) from now on; their figures until now stay
        /// with the department they were in.
        #[arg(long)]
        dept: Option<String>,
        /// With --dept: the day they have been there since (YYYY-MM-DD, in the team's zone; default
        /// now), for a team brought onto the server.
        #[arg(long, requires = "dept", value_name = "DATE")]
        dept_since: Option<String>,
        /// Mobile number; `none` removes it.
        #[arg(long)]
        phone: Option<String>,
        /// Deactivate: they can no longer sync, sign in or be sent reports (their name stays
        /// on what they wrote).
        #[arg(long, conflicts_with = "activate")]
        deactivate: bool,
        /// Reactivate a deactivated user.
        #[arg(long)]
        activate: bool,
    },
    /// List users, with their role and manager.
    List,
    /// A one-time sign-in link to the web dashboard (valid 15 minutes, one use).
    LoginLink {
        user_id: String,
        /// The server's address as browsers reach it.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// A user's dashboard sessions still in force (each lasts 30 days).
    Sessions { user_id: String },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCmd {
    /// List devices, optionally of one user, with their names and owners.
    List {
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a device: its token stops working at once.
    Revoke { device_id: String },
}

#[derive(Debug, Subcommand)]
pub enum SessionCmd {
    /// End a dashboard session at once (ID from `user sessions`).
    Revoke { session_id: String },
}

/// The team's calendar, for local times.
fn calendar(s: &Service) -> Result<Calendar, ServerError> {
    Ok(s.config()?.calendar()?)
}

fn when(cal: &Calendar, ms: Option<i64>) -> String {
    ms.map(|t| cal.local_datetime(t).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "-".into())
}

/// `none` (any case) clears an optional field.
fn clearable(v: Option<String>) -> Option<Option<String>> {
    v.map(|v| if v.trim().eq_ignore_ascii_case("none") { None } else { Some(v) })
}

pub fn user(s: &Service, cmd: UserCmd, j: bool) -> R {
    match cmd {
        UserCmd::Add { name, role, manager, phone, since, dept } => {
            let manager = manager.map(|m| s.find_user(&m).map(|u| u.id)).transpose()?;
            let dept = dept.map(|d| s.department(&d)).transpose()?;
            let since = match since {
                Some(d) => {
                    let day = fieldreport_protocol::period::parse_date(d.trim())
                        .map_err(|e| ServerError::BadRequest(format!("--since: {e}")))?;
                    Some(s.config()?.calendar()?.day_start_ms(day))
                }
                None => None,
            };
            let (u, code) = s.add_member_since(&name, &role, manager.as_deref(), phone.as_deref(), since)?;
            let u = match dept {
                Some(d) => s.set_member_department(&u.id, &d.id)?,
                None => u,
            };
            print(
                j,
                json!({"id": u.id, "enrollment_code": code, "name": u.name, "role": u.role, "manager_id": u.manager_id, "phone": u.phone, "since": u.created_at, "dept_id": u.dept_id}),
                vec![
                    format!("added {} {} ({})", u.role.as_str(), u.name, u.id),
                    format!("enrollment code (one-time, valid 7 days): {code}"),
                ],
            );
        }
        UserCmd::Edit { user_id, name, role, manager, phone, dept, dept_since, deactivate, activate } => {
            let user_id = s.find_user(&user_id)?.id;
            let manager = match clearable(manager) {
                Some(Some(m)) => Some(Some(s.find_user(&m)?.id)),
                other => other,
            };
            let active = if deactivate {
                Some(false)
            } else if activate {
                Some(true)
            } else {
                None
            };
            let edit = UserEdit { name, role, manager_id: manager, phone: clearable(phone), active };
            if edit == UserEdit::default() && dept.is_none() {
                return Err(ServerError::BadRequest(
                    "nothing to change: give --name, --role, --manager, --phone, --dept, --deactivate or --activate"
                        .into(),
                ));
            }
            let mut u = if edit == UserEdit::default() { s.find_user(&user_id)? } else { s.edit_user(&user_id, edit)? };
            if let Some(d) = dept {
                let since = match dept_since {
                    Some(day) => {
                        let day = fieldreport_protocol::period::parse_date(day.trim())
                            .map_err(|e| ServerError::BadRequest(format!("--dept-since: {e}")))?;
                        Some(s.config()?.calendar()?.day_start_ms(day))
                    }
                    None => None,
                };
                u = s.set_member_department_since(&user_id, &d, since)?;
            }
            let state = if u.active { "active" } else { "deactivated" };
            print(j, json!(u), vec![format!("{} {} ({}): {state}", u.role.as_str(), u.name, u.id)]);
        }
        UserCmd::List => {
            let users = s.users()?;
            let name_of =
                |id: &str| users.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_else(|| id.into());
            let rows: Vec<[String; 6]> = users
                .iter()
                .map(|u| {
                    [
                        u.name.clone(),
                        u.role.as_str().into(),
                        u.manager_id.as_deref().map(name_of).unwrap_or_else(|| "-".into()),
                        u.phone.clone().unwrap_or_else(|| "-".into()),
                        if u.active { "active" } else { "deactivated" }.into(),
                        u.id.clone(),
                    ]
                })
                .collect();
            let header = ["NAME", "ROLE", "MANAGER", "PHONE", "STATE", "ID"].map(String::from);
            print(j, json!(users), table(&header, &rows));
        }
        UserCmd::LoginLink { user_id, base_url } => {
            let token = s.login_link(&user_id)?;
            let url = format!("{}/login/{token}", base_url.trim_end_matches('/'));
            print(j, json!({"url": url}), vec![url.clone()]);
        }
        UserCmd::Sessions { user_id } => {
            let cal = calendar(s)?;
            let list = s.sessions(&user_id)?;
            let rows: Vec<[String; 4]> = list
                .iter()
                .map(|x| [x.id.clone(), x.via.clone(), when(&cal, Some(x.created_at)), when(&cal, Some(x.expires_at))])
                .collect();
            let header = ["ID", "VIA", "SIGNED IN", "EXPIRES"].map(String::from);
            let lines = if list.is_empty() { vec!["no sessions".to_string()] } else { table(&header, &rows) };
            print(j, json!(list), lines);
        }
    }
    Ok(())
}

pub fn device(s: &Service, cmd: DeviceCmd, j: bool) -> R {
    match cmd {
        DeviceCmd::List { user } => {
            let cal = calendar(s)?;
            let devices = s.devices(user.as_deref())?;
            let users = s.users()?;
            let name_of =
                |id: &str| users.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_else(|| id.into());
            let rows: Vec<[String; 6]> = devices
                .iter()
                .map(|d| {
                    [
                        d.name.clone().unwrap_or_else(|| "-".into()),
                        name_of(&d.user_id),
                        if d.revoked_at.is_some() { "revoked" } else { "active" }.into(),
                        when(&cal, Some(d.created_at)),
                        when(&cal, d.last_seen_at),
                        d.id.clone(),
                    ]
                })
                .collect();
            let header = ["DEVICE", "USER", "STATE", "ENROLLED", "LAST SYNC", "ID"].map(String::from);
            let lines = if devices.is_empty() { vec!["no devices".to_string()] } else { table(&header, &rows) };
            let out: Vec<_> = devices
                .iter()
                .map(|d| {
                    let mut v = json!(d);
                    v["user_name"] = name_of(&d.user_id).into();
                    v
                })
                .collect();
            print(j, json!(out), lines);
        }
        DeviceCmd::Revoke { device_id } => {
            let d = s.revoke_device(&device_id)?;
            print(j, json!(d), vec![format!("revoked device {}", d.id)]);
        }
    }
    Ok(())
}

pub fn session(s: &Service, cmd: SessionCmd, j: bool) -> R {
    match cmd {
        SessionCmd::Revoke { session_id } => {
            let x = s.revoke_session(&session_id)?;
            print(j, json!(x), vec![format!("ended session {} of user {}", x.id, x.user_id)]);
        }
    }
    Ok(())
}
