//! The built-in KPI set.

use super::{Aggregate, Entity, Filter, KpiDef, Unit};
use crate::doc::Stage;

fn def(id: &str, zh: &str, en: &str, entity: Entity, aggregate: Aggregate, date: &str, unit: Unit) -> KpiDef {
    KpiDef {
        id: id.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        entity,
        aggregate,
        date_field: date.into(),
        filters: Vec::new(),
        unit,
    }
}

fn with(mut d: KpiDef, field: &str, values: &[&str]) -> KpiDef {
    d.filters.push(Filter { field: field.into(), values: values.iter().map(|v| v.to_string()).collect() });
    d
}

fn cny() -> Unit {
    Unit::Money { currency: "CNY".into() }
}

/// Every built-in KPI, in display order. Money KPIs sum amounts in CNY (amounts in other
/// currencies are not converted and not counted).
pub fn builtin() -> Vec<KpiDef> {
    let sum = || Aggregate::Sum { field: "amount_minor".into() };
    let mut v = vec![
        def(
            "new_customers",
            "新增客户数",
            "New customers",
            Entity::Customers,
            Aggregate::Count,
            "created_at",
            Unit::Count,
        ),
        with(
            def(
                "new_contract_amount",
                "新增合同金额",
                "New contract amount",
                Entity::Contracts,
                sum(),
                "signed_on",
                cny(),
            ),
            "currency",
            &["CNY"],
        ),
        with(
            def(
                "payments_received",
                "新增回款金额",
                "Payments received",
                Entity::Payments,
                sum(),
                "received_on",
                cny(),
            ),
            "currency",
            &["CNY"],
        ),
        with(
            def("visits", "拜访量", "Visits", Entity::Followups, Aggregate::Count, "occurred_at", Unit::Count),
            "kind",
            &["visit"],
        ),
        with(
            def("calls", "电话量", "Calls", Entity::Followups, Aggregate::Count, "occurred_at", Unit::Count),
            "kind",
            &["call"],
        ),
        def("followups", "跟进次数", "Followups", Entity::Followups, Aggregate::Count, "occurred_at", Unit::Count),
        with(
            def(
                "deals_won",
                "赢单数",
                "Deals won",
                Entity::DealStages,
                Aggregate::CountDistinct { field: "deal_id".into() },
                "at",
                Unit::Count,
            ),
            "stage",
            &["won"],
        ),
        with(
            with(
                def("deals_won_amount", "赢单金额", "Deals won amount", Entity::DealStages, sum(), "at", cny()),
                "stage",
                &["won"],
            ),
            "currency",
            &["CNY"],
        ),
    ];
    v.push(with(
        def(
            "plan_completion",
            "计划完成率",
            "Plan completion",
            Entity::Plans,
            Aggregate::Share { field: "done".into() },
            "planned_on",
            Unit::Ratio,
        ),
        "status",
        &["planned", "done"],
    ));
    v.push(with(
        with(
            def(
                "unplanned_visits",
                "计划外拜访",
                "Unplanned visits",
                Entity::Followups,
                Aggregate::Count,
                "occurred_at",
                Unit::Count,
            ),
            "kind",
            &["visit"],
        ),
        "planned",
        &["0"],
    ));
    for from in [Stage::Lead, Stage::Contacted, Stage::Qualified, Stage::Proposal, Stage::Negotiation] {
        let (zh, en) = (format!("{}转化率", from.zh()), format!("Conversion from {}", from.as_str()));
        v.push(def(
            &format!("conversion_{}", from.as_str()),
            &zh,
            &en,
            Entity::DealStages,
            Aggregate::Conversion { from },
            "at",
            Unit::Ratio,
        ));
    }
    v
}

/// The ids of the built-in KPIs.
pub fn builtin_ids() -> Vec<String> {
    builtin().into_iter().map(|d| d.id).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_builtin_definition_is_valid_and_unique() {
        let defs = super::builtin();
        for d in &defs {
            d.validate().unwrap();
        }
        let mut ids = super::builtin_ids();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), defs.len());
    }
}
