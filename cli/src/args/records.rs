//! Customers, contacts, deals, contracts and payments.

use clap::{Args, Subcommand};

#[derive(Debug, Subcommand)]
pub enum CustomerCmd {
    /// Add a customer.
    Add {
        #[arg(long)]
        name: String,
        /// A, B or C.
        #[arg(long)]
        level: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// A tag (repeatable).
        #[arg(long = "tag")]
        tags: Vec<String>,
        #[command(flatten)]
        place: Place,
    },
    /// Change a customer's name, level, address, location or tags.
    Edit {
        /// The customer: its name (or a part found in no other name), id, or id prefix.
        customer: String,
        #[arg(long)]
        name: Option<String>,
        /// A, B or C.
        #[arg(long)]
        level: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// Replaces the tags (repeatable); `--tag ""` clears them.
        #[arg(long = "tag")]
        tags: Option<Vec<String>>,
        #[command(flatten)]
        place: Place,
    },
    /// List customers, optionally those whose name contains TEXT.
    List {
        #[arg(long)]
        search: Option<String>,
    },
    /// Show one customer with its contacts.
    Show {
        /// The customer: name, id or id prefix.
        customer: String,
    },
    /// Delete a customer (it can be restored).
    Delete {
        /// The customer: name, id or id prefix.
        customer: String,
    },
    /// Restore a deleted customer.
    Restore {
        /// The customer: name, id or id prefix.
        customer: String,
    },
}

/// A location (where check-ins are measured from).
#[derive(Debug, Args)]
pub struct Place {
    /// Latitude in degrees (with --lon), e.g. 31.2304.
    #[arg(long, allow_negative_numbers = true)]
    pub lat: Option<f64>,
    /// Longitude in degrees (with --lat), e.g. 121.4737.
    #[arg(long, allow_negative_numbers = true)]
    pub lon: Option<f64>,
}

#[derive(Debug, Subcommand)]
pub enum ContactCmd {
    /// Add a contact to a customer.
    Add {
        /// The customer: name, id or id prefix.
        customer: String,
        #[arg(long)]
        name: String,
        /// Their job title, e.g. 采购经理.
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
    /// Change a contact's name, title or phone (an empty value clears title or phone).
    Edit {
        /// The customer: name, id or id prefix.
        customer: String,
        /// The contact: their name, or their number in `contact list`.
        contact: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
    /// Remove a contact.
    Remove {
        /// The customer: name, id or id prefix.
        customer: String,
        /// The contact: their name, or their number in `contact list`.
        contact: String,
    },
    /// List a customer's contacts, numbered.
    List {
        /// The customer: name, id or id prefix.
        customer: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DealCmd {
    /// Add a deal.
    Add {
        /// The customer: name, id or id prefix.
        #[arg(long)]
        customer: String,
        #[arg(long)]
        title: String,
        /// Decimal amount, e.g. 12000.00.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        /// lead (线索), contacted (初步接触), qualified (需求确认), proposal (方案报价),
        /// negotiation (谈判), won (赢单) or lost (输单).
        #[arg(long, default_value = "lead")]
        stage: String,
        /// Expected close date, YYYY-MM-DD.
        #[arg(long)]
        expected_close: Option<String>,
    },
    /// Change a deal's title, amount or expected close date.
    Edit {
        /// The deal: its title (or a part found in no other), id or id prefix.
        deal: String,
        #[arg(long)]
        title: Option<String>,
        /// Decimal amount, e.g. 12000.00 (in the deal's currency unless --currency).
        #[arg(long, allow_hyphen_values = true)]
        amount: Option<String>,
        #[arg(long)]
        currency: Option<String>,
        /// Expected close date, YYYY-MM-DD.
        #[arg(long)]
        expected_close: Option<String>,
    },
    /// Move a deal to another stage: lead, contacted, qualified, proposal, negotiation, won or lost.
    Stage {
        /// The deal: title, id or id prefix.
        deal: String,
        stage: String,
    },
    /// List deals, optionally only one stage.
    List {
        /// lead, contacted, qualified, proposal, negotiation, won or lost.
        #[arg(long)]
        stage: Option<String>,
        /// Language of stages: zh-CN or en.
        #[arg(long, default_value = "zh-CN")]
        lang: String,
    },
    /// Show one deal with its stage history.
    Show {
        /// The deal: title, id or id prefix.
        deal: String,
    },
    /// Delete a deal (it can be restored).
    Delete {
        /// The deal: title, id or id prefix.
        deal: String,
    },
    /// Restore a deleted deal.
    Restore {
        /// The deal: title, id or id prefix.
        deal: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContractCmd {
    /// Add a signed contract.
    Add {
        /// The customer: name, id or id prefix.
        #[arg(long)]
        customer: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long, default_value = "CNY")]
        currency: String,
        /// Signing date, YYYY-MM-DD; default today.
        #[arg(long)]
        signed_on: Option<String>,
        /// The deal it closes: title, id or id prefix.
        #[arg(long)]
        deal: Option<String>,
        #[arg(long)]
        title: Option<String>,
    },
    /// List contracts.
    List,
}

#[derive(Debug, Subcommand)]
pub enum PaymentCmd {
    /// Record a payment received against a contract.
    Add {
        /// The contract: its title, id or id prefix.
        #[arg(long)]
        contract: String,
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// Default: the contract's currency.
        #[arg(long)]
        currency: Option<String>,
        /// Date received, YYYY-MM-DD; default today.
        #[arg(long)]
        received_on: Option<String>,
    },
    /// List payments.
    List,
}
