//! Team configuration files: the example applies; each kind of bad file is refused whole, with
//! the field or line named, and the configuration in force stays.

use std::path::Path;

use fieldreport_server::config_file;
use fieldreport_server::Service;

fn storage() -> (tempfile::TempDir, Service, String) {
    let dir = tempfile::tempdir().unwrap();
    let s = Service::open_dir(dir.path()).unwrap();
    s.init_team("华东销售", "Asia/Shanghai", "monday", "王总").unwrap();
    let (rep, _) = s.add_user("张三", "rep", None).unwrap();
    (dir, s, rep.id)
}

fn file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn the_example_applies_and_bad_files_change_nothing() {
    let (dir, s, rep) = storage();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/team-config.example.toml");
    let applied = s.apply_config(config_file::read(&example).unwrap()).unwrap();
    assert_eq!(applied.version, 1);
    assert_eq!(applied.team.name, "华东销售部");
    assert!(applied.definitions().iter().any(|d| d.id == "new_a_customers"));

    let target = |extra: &str| {
        format!("[[targets]]\nmetric = \"visits\"\nper = \"week\"\nvalue = 10\nfrom = \"2026-01-01\"\nuser = \"{rep}\"\n{extra}")
    };
    let bad: Vec<(&str, String, &str)> = vec![
        ("tz.toml", "[team]\ntz = \"Mars/Olympus\"\n".into(), "team.tz"),
        (
            "metric.json",
            r#"{"targets": [{"metric": "hugs", "per": "week", "value": 1, "from": "2026-01-01"}]}"#.into(),
            "targets[0].metric: unknown metric `hugs`",
        ),
        ("negative.toml", target("").replace("value = 10", "value = -10"), "targets[0]: value: -10"),
        (
            "overlap.toml",
            format!("{}\n{}", target("until = \"2026-06-30\""), target("").replace("2026-01-01", "2026-06-01")),
            "targets[1]: overlaps targets[0]",
        ),
        ("role.toml", "[roles]\nrep = [\"visits\", \"nope\"]\n".into(), "roles.rep: unknown metric `nope`"),
        ("user.toml", target("").replace(&rep, "someone-else"), "targets[0].user"),
        ("field.toml", "[team]\ncolour = \"red\"\n".into(), "team.colour: no such setting (line 2)"),
        ("field.json", "{\"team\": {\"name\": \"x\"},\n \"colour\": 1}".into(), "colour: no such setting (line 2)"),
        ("syntax.json", "{\"team\": {\"tz\": }".into(), "line 1"),
    ];
    for (name, text, says) in bad {
        let path = file(dir.path(), name, &text);
        let err = config_file::read(&path).and_then(|c| s.apply_config(c)).unwrap_err();
        assert!(err.is_bad_input(), "{name}: {err}");
        assert!(err.to_string().contains(says), "{name}: `{err}` should say `{says}`");
        let now = s.config().unwrap();
        assert_eq!((now.version, now.team.name.as_str()), (1, "华东销售部"), "{name} changed nothing");
    }
}
