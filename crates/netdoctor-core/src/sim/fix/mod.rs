//! A suggested change: what a simulation or a check proposes to make traffic flow.

pub mod netpol_yaml;

use serde::{Deserialize, Serialize};

/// What to do about a finding. Shown, never applied.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Fix {
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
    /// A manifest or patch that would fix it, when a command is not the natural form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yaml: Option<String>,
}

impl Fix {
    pub fn new(title: impl Into<String>) -> Self {
        Fix {
            title: title.into(),
            ..Fix::default()
        }
    }

    pub fn command(mut self, cmd: impl Into<String>) -> Self {
        self.commands.push(cmd.into());
        self
    }

    pub fn yaml(mut self, yaml: impl Into<String>) -> Self {
        self.yaml = Some(yaml.into());
        self
    }
}
