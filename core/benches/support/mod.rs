//! Fixtures shared by the benchmarks: a rep's year of work.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::DateTime;
use fieldreport_core::doc::{CheckIn, FollowupKind, NewContract, NewCustomer, NewDeal, NewFollowup, Stage};
use fieldreport_core::money::Money;
use fieldreport_core::Store;

/// "Now" for every benchmark: Monday 2026-11-23 10:00 in Shanghai.
pub fn now() -> i64 {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00+08:00").unwrap().timestamp_millis()
}

/// A 300-character note, as a rep would type it (no repetition, so compression is not flattered).
pub fn note_300(chinese: bool) -> String {
    let text = if chinese {
        "上午十点到张江园区拜访华东区采购负责人张总，先介绍了新一代服务器方案的性能数据和三年维保条款。\
         张总认为价格比竞品高百分之八，但对交付周期和本地化服务很满意。财务部李经理提出希望分两期付款，\
         首付比例不超过百分之四十。技术部王工要求下周安排一次现场测试，重点验证数据库负载和断电恢复。\
         对方预算已经在十月获批，决策链包括张总、李经理和分管副总。竞品上周已提交报价，我们需要在周五前\
         给出正式方案。下一步：周三前完成测试环境准备，周四与售前一起上门演示，周五提交含分期条款的报价单，\
         并约副总下周二面谈确认合作意向。另外客户提到明年还有两个分公司的扩容需求，预计规模与本次相当，\
         需要在方案中体现整体折扣。\
         回公司后已把会议纪要发给售前和商务，请他们周二前确认测试机型号和可用库存。"
    } else {
        "Met Zhang, head of purchasing for East China, at the Zhangjiang office at ten. Walked through the \
         new server line: benchmark figures, three-year support terms and on-site spares. He finds us eight \
         percent dearer than the competitor but likes our delivery time and local service team. Li from \
         finance wants two instalments with at most forty percent up front. Wang from engineering asks for an \
         on-site trial next week focused on database load and power-loss recovery. Budget was approved in \
         October; the decision sits with Zhang, Li and the vice president."
    };
    let out: String = text.chars().take(300).collect();
    assert_eq!(out.chars().count(), 300, "the sample text is long enough");
    out
}

/// A typical followup: visit with check-in, note, next step.
pub fn typical_followup(customer_id: &str, at: i64, chinese: bool) -> NewFollowup {
    NewFollowup {
        customer_id: customer_id.into(),
        deal_id: None,
        kind: FollowupKind::Visit,
        occurred_at: at,
        note: note_300(chinese),
        next_step: if chinese { "下周一发正式报价".into() } else { "Send the quote on Monday".into() },
        next_followup_on: Some("2026-11-30".parse().unwrap()),
        checkin: Some(CheckIn { lat: 31.2304, lon: 121.4737, accuracy: Some(12.0), at }),
        stage_change: None,
        plan_id: None,
    }
}

/// Fills `s` with `customers` customers and `followups` followups spread over the past year.
pub fn fill(s: &mut Store, customers: usize, followups: usize) -> Vec<String> {
    let ids: Vec<String> = (0..customers)
        .map(|i| {
            let name =
                if i % 2 == 0 { format!("上海客户{i:05}有限公司") } else { format!("Customer {i:05} Ltd") };
            s.add_customer(NewCustomer { name, ..Default::default() }).unwrap().header.id
        })
        .collect();
    let year_ms = 365 * 86_400_000i64;
    for i in 0..followups {
        let at = now() - (i as i64 * year_ms / followups as i64);
        s.log_followup(typical_followup(&ids[i % ids.len()], at, i % 2 == 0)).unwrap();
    }
    ids
}

/// Adds `deals` deals spread over the past year, each moved through a few stages; every fifth is
/// won with a contract and a payment.
pub fn fill_deals(s: &mut Store, customers: &[String], deals: usize) {
    let year_ms = 365 * 86_400_000i64;
    for i in 0..deals {
        let at = now() - (i as i64 * year_ms / deals as i64);
        s.set_now(Some(at));
        let customer_id = customers[i % customers.len()].clone();
        let d = s
            .add_deal(NewDeal {
                customer_id: customer_id.clone(),
                title: format!("商机 {i}"),
                amount: Money::parse(&format!("{}", 10_000 + i * 7), "CNY").unwrap(),
                stage: Stage::Lead,
                expected_close: None,
            })
            .unwrap()
            .header
            .id;
        let path = [Stage::Contacted, Stage::Qualified, Stage::Proposal, Stage::Negotiation, Stage::Won];
        for (step, stage) in path.iter().take(i % 6).enumerate() {
            s.set_now(Some(at + (step as i64 + 1) * 86_400_000));
            s.set_deal_stage(&d, *stage).unwrap();
        }
        if i % 6 == 5 {
            let signed_on = s.calendar().unwrap().local_date(s.now_ms());
            let k = s
                .add_contract(NewContract {
                    customer_id,
                    deal_id: Some(d),
                    title: None,
                    amount: Money::parse("10000", "CNY").unwrap(),
                    signed_on,
                })
                .unwrap();
            s.add_payment(&k.header.id, "5000", None, signed_on).unwrap();
        }
    }
    s.set_now(Some(now()));
}

/// A rep's store of `customers` customers, `followups` followups and `deals` deals over a year,
/// built once into target/bench-fixtures as `name` and reused across runs. Built in memory and
/// copied out, so building it is not fsync-bound.
fn fixture(name: &str, customers: usize, followups: usize, deals: usize) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    if !path.exists() {
        eprintln!("building the fixture {name} (once)…");
        let mut s = Store::open_in_memory().unwrap();
        s.init("rep-1", "team-1", "Asia/Shanghai", "monday").unwrap();
        s.set_now(Some(now()));
        let ids = fill(&mut s, customers, followups);
        fill_deals(&mut s, &ids, deals);
        let tmp = dir.join(format!("{name}.tmp"));
        let _ = std::fs::remove_file(&tmp);
        s.copy_to(&tmp).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    }
    path
}

/// A busy rep's year: 5,000 customers, 50,000 followups and 5,000 deals.
pub fn big_store() -> PathBuf {
    fixture("followups-50k-v3.db", 5_000, 50_000, 5_000)
}

/// A typical rep's year (about ten followups a working day): 500 customers, 3,650 followups and
/// 500 deals.
pub fn typical_store() -> PathBuf {
    fixture("typical-rep-year-v1.db", 500, 3_650, 500)
}
