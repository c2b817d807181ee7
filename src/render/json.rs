//! The plan as JSON for pipelines: the [`Plan`] itself (with `format_version`), plus each changed
//! pool's unified diff. No secret is in a plan, so none can be here.

use serde_json::{Value, json};

use batchform_plan::Plan;

/// The plan as pretty-printed JSON.
pub fn render(plan: &Plan) -> String {
    let mut value = serde_json::to_value(plan).unwrap_or(Value::Null);
    if let Some(pools) = value.get_mut("pools").and_then(Value::as_array_mut) {
        for (pool, rendered) in plan.pools.iter().zip(pools) {
            rendered["diff"] = json!(super::canonical::diff(pool));
        }
    }
    let (add, change, destroy) = plan.counts();
    value["summary"] = json!({ "add": add, "change": change, "destroy": destroy, "has_changes": plan.has_changes() });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}
