//! The team, its members and their devices: setting the team up, adding and editing members,
//! enrollment codes, enrolling a device and authenticating its token, revoking it.

use super::Service;
use crate::error::{CodeProblem, Result, ServerError};
use crate::model::{Caller, Device, Enrolled, Role, Team, User};
use crate::now_ms;
use crate::secrets;
use crate::store::Db;

/// How long an enrollment code stays valid.
const CODE_TTL_MS: i64 = 7 * 24 * 3_600_000;

/// A new enrollment code for `user_id` (stored as its hash).
fn issue_code(db: &Db, user_id: &str) -> Result<String> {
    let code = secrets::new_code()?;
    db.insert_code(&secrets::hash(&code), user_id, now_ms() + CODE_TTL_MS)?;
    Ok(code)
}

/// A member's name, checked.
fn member_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ServerError::BadRequest("a user name is required (at most 200 characters)".into()));
    }
    Ok(name.to_string())
}

/// A phone number as robots @mention it: digits, optionally `+`, spaces and dashes (removed).
fn phone(p: Option<&str>) -> Result<Option<String>> {
    let Some(p) = p.map(str::trim).filter(|p| !p.is_empty()) else { return Ok(None) };
    let digits: String = p.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let ok = digits.len() <= 20
        && digits.len() >= 3
        && digits.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+'));
    if !ok {
        return Err(ServerError::BadRequest(format!("`{p}` is not a phone number (digits, optionally a leading +)")));
    }
    Ok(Some(digits))
}

/// Checks that `manager_id` names a manager or admin (not `user` itself).
fn check_manager(db: &Db, manager_id: Option<&str>, user: Option<&str>) -> Result<()> {
    if let Some(m) = manager_id {
        if Some(m) == user {
            return Err(ServerError::BadRequest("a member cannot be their own manager".into()));
        }
        match db.user(m)? {
            Some(u) if u.role != Role::Rep => {}
            Some(_) => return Err(ServerError::BadRequest(format!("user {m} is a rep and cannot be a manager"))),
            None => return Err(ServerError::NotFound(format!("no user with id {m}"))),
        }
    }
    Ok(())
}

fn insert_user(db: &Db, name: &str, role: Role, manager_id: Option<&str>, phone_number: Option<&str>) -> Result<User> {
    let name = member_name(name)?;
    check_manager(db, manager_id, None)?;
    let user = User {
        id: uuid::Uuid::now_v7().to_string(),
        name,
        role,
        manager_id: manager_id.map(str::to_string),
        created_at: now_ms(),
        phone: phone(phone_number)?,
        active: true,
        deactivated_at: None,
        // In the root department (the team itself, whose id it shares) until placed elsewhere.
        dept_id: db.team()?.map(|t| t.id),
    };
    db.insert_user(&user)?;
    Ok(user)
}

/// What `edit_user` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserEdit {
    pub name: Option<String>,
    pub role: Option<String>,
    /// `Some(None)` removes the manager.
    pub manager_id: Option<Option<String>>,
    /// `Some(None)` removes the phone.
    pub phone: Option<Option<String>>,
    pub active: Option<bool>,
}

impl Service {
    /// The team, once set up.
    pub fn team(&self) -> Result<Option<Team>> {
        self.store.read(|db| Ok(db.team()?))
    }

    /// First-run setup: the team and its admin; returns the admin and an enrollment code.
    pub fn init_team(&self, name: &str, tz: &str, week_start: &str, admin_name: &str) -> Result<(Team, User, String)> {
        let cal = fieldreport_protocol::period::Calendar::parse(tz, week_start)?;
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(ServerError::BadRequest("a team name is required".into()));
        }
        let week_start = week_start.trim().to_ascii_lowercase();
        let tz = cal.tz.name().to_string();
        let admin_name = admin_name.to_string();
        self.store.write(move |db| {
            if let Some(t) = db.team()? {
                return Err(ServerError::Conflict(format!("this data already serves team {} ({})", t.name, t.id)));
            }
            let team = Team { id: uuid::Uuid::now_v7().to_string(), name, tz, week_start };
            db.insert_team(&team, now_ms())?;
            // The root of the organisation's tree is the team itself.
            let root = fieldreport_protocol::team::Department {
                id: team.id.clone(),
                name: team.name.clone(),
                parent_id: None,
                heads: Vec::new(),
            };
            db.insert_department(&root, now_ms())?;
            let admin = insert_user(db, &admin_name, Role::Admin, None, None)?;
            let code = issue_code(db, &admin.id)?;
            Ok((team, admin, code))
        })
    }

    /// Adds a user; returns it and a one-time enrollment code.
    pub fn add_user(&self, name: &str, role: &str, manager_id: Option<&str>) -> Result<(User, String)> {
        self.add_member(name, role, manager_id, None)
    }

    /// Adds a user with a phone (for robots' @mentions); returns it and a one-time code.
    pub fn add_member(
        &self,
        name: &str,
        role: &str,
        manager_id: Option<&str>,
        phone: Option<&str>,
    ) -> Result<(User, String)> {
        self.add_member_since(name, role, manager_id, phone, None)
    }

    /// Adds a user who has been a member since `since` (UTC milliseconds, not in the future;
    /// default now): an existing team brought onto the server owes reports and is measured
    /// from then. Returns the user and a one-time code.
    pub fn add_member_since(
        &self,
        name: &str,
        role: &str,
        manager_id: Option<&str>,
        phone: Option<&str>,
        since: Option<i64>,
    ) -> Result<(User, String)> {
        let (name, role, manager) = (name.to_string(), role.parse::<Role>()?, manager_id.map(str::to_string));
        let phone = phone.map(str::to_string);
        let now = now_ms();
        if since.is_some_and(|s| s > now) {
            return Err(ServerError::BadRequest("a member cannot join in the future: give a day up to today".into()));
        }
        self.store.write(move |db| {
            if db.team()?.is_none() {
                return Err(ServerError::BadRequest("no team yet: run `init` (or `serve`) first".into()));
            }
            let mut user = insert_user(db, &name, role, manager.as_deref(), phone.as_deref())?;
            super::departments::refresh_sees(db)?;
            if let Some(s) = since {
                user.created_at = s;
                db.update_user_since(&user.id, s)?;
            }
            let code = issue_code(db, &user.id)?;
            Ok((user, code))
        })
    }

    /// Changes a member: name, role, manager, phone, active. A deactivated member's devices stop
    /// working at once (they hear "deactivated"), and their web sessions, unused sign-in links
    /// and enrollment codes end; their name stays in the directory (old reports still name
    /// them).
    pub fn edit_user(&self, id: &str, edit: UserEdit) -> Result<User> {
        let id = id.trim().to_string();
        self.store.write(move |db| {
            let mut u = db.user(&id)?.ok_or_else(|| ServerError::NotFound(format!("no user with id {id}")))?;
            if let Some(n) = &edit.name {
                u.name = member_name(n)?;
            }
            if let Some(r) = &edit.role {
                u.role = r.parse()?;
            }
            if let Some(m) = edit.manager_id {
                check_manager(db, m.as_deref(), Some(&u.id))?;
                u.manager_id = m;
            }
            if let Some(p) = edit.phone {
                u.phone = phone(p.as_deref())?;
            }
            if let Some(a) = edit.active {
                if u.active && !a {
                    let ended = db.end_sign_ins_of(&u.id)?;
                    tracing::info!(user = %u.id, sessions = ended, "member deactivated: their sign-ins ended");
                    u.deactivated_at = Some(now_ms());
                }
                if a && !u.active {
                    // Back in the team: a membership again from now on (what was recorded while
                    // they were a member before stands; nothing is owed for the time between).
                    u.deactivated_at = None;
                    u.created_at = now_ms();
                    db.update_user_since(&u.id, u.created_at)?;
                }
                u.active = a;
            }
            if u.role == Role::Rep && db.users()?.iter().any(|x| x.manager_id.as_deref() == Some(u.id.as_str())) {
                return Err(ServerError::BadRequest(format!("{} manages others and cannot be a rep", u.name)));
            }
            db.update_user(&u)?;
            super::departments::refresh_sees(db)?;
            Ok(u)
        })
    }

    pub fn users(&self) -> Result<Vec<User>> {
        self.store.read(|db| Ok(db.users()?))
    }

    /// The user `id`, if there is one.
    pub fn user(&self, id: &str) -> Result<Option<User>> {
        self.store.read(|db| Ok(db.user(id)?))
    }

    /// A new one-time code for `user_id`.
    pub fn enrollment_code(&self, user_id: &str) -> Result<String> {
        let user_id = user_id.trim().to_string();
        self.store.write(move |db| {
            db.user(&user_id)?.ok_or_else(|| ServerError::NotFound(format!("no user with id {user_id}")))?;
            issue_code(db, &user_id)
        })
    }

    /// Redeems a code for a device with `actor`, named `name` by its user (optional).
    pub fn enroll(&self, code: &str, actor: &str, name: Option<&str>) -> Result<Enrolled> {
        let hash = secrets::hash(code);
        let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) if n.chars().count() > 100 || n.chars().any(char::is_control) => {
                return Err(ServerError::BadRequest(
                    "a device name is one line of at most 100 characters (e.g. 张伟的手机)".into(),
                ))
            }
            other => other.map(str::to_string),
        };
        let actor = actor.trim().to_ascii_lowercase();
        if actor.len() < 2
            || actor.len() > 128
            || !actor.chars().all(|c| c.is_ascii_hexdigit())
            || !actor.len().is_multiple_of(2)
        {
            return Err(ServerError::BadRequest("the actor id must be hex (the device's Automerge actor)".into()));
        }
        self.store.write(move |db| {
            let now = now_ms();
            let user_id = match db.code(&hash)? {
                Some((u, exp, None)) if exp > now => u,
                Some((u, _, Some(used))) => {
                    // The device that used the code asks again (its answer was lost, or the app
                    // cancelled the wait): it gets a new token, as long as it never used the
                    // first one and asks within the window.
                    return match db.enrolled_with(&actor, &u, used)? {
                        Some(d) if d.last_seen_at.is_none() && now - used < RETRY_ENROLL_MS => enrolled_again(db, d),
                        _ => Err(ServerError::Enrollment(CodeProblem::Used)),
                    };
                }
                Some(_) => return Err(ServerError::Enrollment(CodeProblem::Expired)),
                None => return Err(ServerError::Enrollment(CodeProblem::Unknown)),
            };
            if db.actor_taken(&actor)? {
                return Err(ServerError::Conflict("this actor id is already enrolled on an active device".into()));
            }
            let token = secrets::new_token()?;
            let device = Device {
                id: uuid::Uuid::now_v7().to_string(),
                user_id,
                actor: actor.clone(),
                name,
                created_at: now,
                last_seen_at: None,
                revoked_at: None,
            };
            db.insert_device(&device, &secrets::hash(&token))?;
            db.use_code(&hash, now)?;
            enrollment(db, device, token)
        })
    }

    /// The caller behind a device token.
    pub fn authenticate(&self, token: &str) -> Result<Caller> {
        let hash = secrets::hash(token);
        self.store.read(|db| {
            let (device, user, team) = db.caller_by_token(&hash)?.ok_or(ServerError::BadToken)?;
            if !user.active {
                return Err(ServerError::Deactivated);
            }
            if device.revoked_at.is_some() {
                return Err(ServerError::Revoked);
            }
            Ok(Caller { device, user, team })
        })
    }

    pub fn devices(&self, user_id: Option<&str>) -> Result<Vec<Device>> {
        self.store.read(|db| Ok(db.devices(user_id)?))
    }

    /// Revokes a device: its token stops working at once.
    pub fn revoke_device(&self, device_id: &str) -> Result<Device> {
        let id = device_id.trim().to_string();
        self.store.write(move |db| {
            if !db.revoke_device(&id, now_ms())? {
                return Err(ServerError::NotFound(format!("no device with id {id}")));
            }
            db.device(&id)?.ok_or_else(|| ServerError::NotFound(format!("no device with id {id}")))
        })
    }
}

/// How long after a code was used the device that used it may ask again (and receive a new token,
/// as long as it never used the first).
pub const RETRY_ENROLL_MS: i64 = 15 * 60 * 1000;

/// The enrollment of device `d` again, with a new token (the first one was never used).
fn enrolled_again(db: &Db, d: Device) -> Result<Enrolled> {
    let token = secrets::new_token()?;
    db.set_device_token(&d.id, &secrets::hash(&token))?;
    enrollment(db, d, token)
}

/// What a device enrolled as `d` with `token` is told: its ids, its member's role, the team's
/// calendar.
fn enrollment(db: &Db, d: Device, token: String) -> Result<Enrolled> {
    let user = db.user(&d.user_id)?.ok_or_else(|| ServerError::Internal("device of a missing user".into()))?;
    let team = db.team()?.ok_or_else(|| ServerError::Internal("no team".into()))?;
    Ok(Enrolled {
        device_id: d.id,
        token,
        user_id: user.id,
        team_id: team.id,
        tz: team.tz,
        week_start: team.week_start,
        role: user.role,
    })
}
