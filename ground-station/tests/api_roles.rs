//! The HTTP API's guard rails against a running station: tokens, roles, and clear errors for bad requests.

use ground_station::station::{Station, StationConfig};
use ground_station::store::Role;
use serde_json::{Value, json};

fn config(dir: &std::path::Path) -> StationConfig {
    StationConfig::on_loopback(dir, "station-test-password", vec![])
}

struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let auth = token.map(|t| format!("Bearer {t}"));
        let response = match (method, body) {
            ("GET", _) => {
                let mut r = self.agent.get(&url);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            (_, body) => {
                let mut r = self.agent.post(&url).header("Content-Type", "application/json");
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.send(body.unwrap_or("{}"))
            }
        }
        .expect("the station answers");
        let status = response.status().as_u16();
        let text = response.into_body().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

#[test]
fn tokens_roles_and_bad_requests_get_clear_answers() {
    let dir = std::env::temp_dir().join(format!("station-api-roles-{}", std::process::id()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let station = runtime
        .block_on(Station::start(config(&dir), None))
        .expect("the station starts");
    let client = Client {
        agent: ureq::Agent::config_builder().http_status_as_error(false).build().into(),
        base: format!("http://{}", station.http_addr),
    };
    let officer = station.token_for(Role::Officer).expect("officer token").to_string();
    let trainee = station.token_for(Role::Trainee).expect("trainee token").to_string();
    let inspector = station.token_for(Role::Inspector).expect("inspector token").to_string();

    // No token, a made-up token.
    let (status, body) = client.call("GET", "/api/v1/vehicles", None, None);
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "unauthenticated");
    let (status, _) = client.call("GET", "/api/v1/vehicles", Some("pgs_not-a-token"), None);
    assert_eq!(status, 401);

    // Who am I, and what may I do.
    let (status, me) = client.call("GET", "/api/v1/me", Some(&trainee), None);
    assert_eq!(status, 200);
    assert_eq!(me["role"], "trainee");
    assert!(!me["permissions"].as_array().unwrap().contains(&json!("launch")));

    // A trainee may plan (to learn) but not launch; an inspector may not command drones.
    let survey = r#"{"kind":"survey","area":"Outer Anchorage","flight":{"altitude_m":115,"speed_m_s":15},"front_overlap_pct":60,"side_overlap_pct":40}"#;
    let (status, plan) = client.call("POST", "/api/v1/plans", Some(&trainee), Some(survey));
    assert_eq!(status, 201, "{plan}");
    assert_eq!(plan["ok"], true, "{plan}");
    assert!(plan["estimate"]["time_s"].as_f64().unwrap() > 60.0);
    assert!(plan["route"].as_array().unwrap().len() > 10);
    let launch = format!(r#"{{"plan_id": {}}}"#, plan["plan_id"]);
    let (status, body) = client.call("POST", "/api/v1/vehicles/1/launch", Some(&trainee), Some(&launch));
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("trainee"), "{body}");
    let (status, _) = client.call(
        "POST",
        "/api/v1/vehicles/1/commands",
        Some(&inspector),
        Some(r#"{"command":"land"}"#),
    );
    assert_eq!(status, 403);

    // An officer may, but there is no vehicle 1 on this station: a 404 naming it.
    let (status, body) = client.call("POST", "/api/v1/vehicles/1/launch", Some(&officer), Some(&launch));
    assert_eq!(status, 404, "{body}");
    assert!(body["message"].as_str().unwrap().contains("vehicle 1"), "{body}");

    // Bad requests say what and where.
    let (status, body) = client.call(
        "POST",
        "/api/v1/plans",
        Some(&officer),
        Some(r#"{"kind":"survey","area":"Nowhere"}"#),
    );
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("Outer Anchorage"),
        "lists the zones: {body}"
    );
    let (status, body) = client.call(
        "POST",
        "/api/v1/plans",
        Some(&officer),
        Some(r#"{"kind":"survey","area":"Outer Anchorage","flight":{"alt":80}}"#),
    );
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("alt"),
        "names the field: {body}"
    );
    let (status, _) = client.call("POST", "/api/v1/plans", Some(&officer), Some("{not json"));
    assert_eq!(status, 400);
    let (status, body) = client.call(
        "POST",
        "/api/v1/vehicles/1/commands",
        Some(&officer),
        Some(r#"{"command":"fly_to_the_moon"}"#),
    );
    assert_eq!(status, 400, "{body}");
    let (status, body) = client.call("GET", "/api/v1/plans/999", Some(&officer), None);
    assert_eq!(status, 404, "{body}");

    // The OpenAPI document describes the routes and the bearer scheme.
    let (status, doc) = client.call("GET", "/api/openapi.json", None, None);
    assert_eq!(status, 200);
    for path in [
        "/api/v1/plans",
        "/api/v1/vehicles/{sysid}/launch",
        "/api/v1/alerts/{id}/acknowledge",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["securitySchemes"].get("bearer").is_some());

    // Who did what is in the audit log.
    let audit = station.store.lock().unwrap().audit_log(50).unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.event.action == "mission.plan" && e.event.who == "trainee")
    );
    station.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}
