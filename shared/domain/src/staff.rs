//! Who may do what: the staff roles of the contract (README) and the permission of each action.

use super::project::Project;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Manager,
    Technician,
}

impl Role {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "admin" => Some(Self::Admin),
            "manager" => Some(Self::Manager),
            "technician" => Some(Self::Technician),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::Technician => "technician",
        }
    }
}

/// A member of the deployment team, as the identity provider vouches for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staff {
    /// The `sub` claim: the member's e-mail address, lower-cased.
    pub sub: String,
    pub roles: Vec<Role>,
}

/// The actions of the staff API, named once: the enum, and a marker type
/// per action in [`may`] for what names an action in a type (the API's
/// `Allowed<may::AddTask>`).
macro_rules! actions {
    ($($action:ident),* $(,)?) => {
        /// The actions of the staff API.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Action {
            $($action),*
        }

        /// The members allowed to attempt an action, as marker types.
        pub mod may {
            use super::{Action, Permission};
            $(
                #[doc = concat!("May attempt [`Action::", stringify!($action), "`].")]
                pub struct $action;

                impl Permission for $action {
                    const ACTION: Action = Action::$action;
                }
            )*
        }
    };
}

actions!(
    ListProjects,
    ViewProject,
    CompleteMilestone,
    ReopenMilestone,
    AddTask,
    ChangeTask,
    Activate,
    HoldProject,
    ResumeProject,
    CancelProject,
    ListTasks,
    ReadTemplates,
    WriteTemplates,
    ViewAnalytics,
);

/// An action named by a marker type of [`may`].
pub trait Permission {
    const ACTION: Action;
}

impl Action {
    /// The roles allowed to attempt the action (the contract's staff API, README). A
    /// technician's access is further limited to their own tasks and the
    /// projects holding one (see [`Staff::can_see`]).
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Self::ListProjects => &[Manager, Admin],
            Self::ViewProject => &[Manager, Admin, Technician],
            Self::CompleteMilestone
            | Self::AddTask
            | Self::Activate
            | Self::HoldProject
            | Self::ResumeProject
            | Self::CancelProject => &[Manager],
            Self::ReopenMilestone | Self::WriteTemplates => &[Admin],
            Self::ChangeTask => &[Manager, Technician],
            Self::ListTasks => &[Admin, Manager, Technician],
            Self::ReadTemplates | Self::ViewAnalytics => &[Admin, Manager],
        }
    }
}

impl Staff {
    pub fn new(sub: &str, roles: Vec<Role>) -> Self {
        Self { sub: sub.trim().to_ascii_lowercase(), roles }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn may(&self, action: Action) -> bool {
        action.roles().iter().any(|r| self.has(*r))
    }

    /// Managers and admins oversee every project; a technician sees only
    /// projects where a task is assigned to them.
    pub fn can_see(&self, project: &Project) -> bool {
        self.has(Role::Manager)
            || self.has(Role::Admin)
            || project.tasks.iter().any(|t| t.assignee == self.sub)
    }

    /// Whether the change of a task is the member's to make: managers change
    /// any task; a technician changes the status of their own tasks only.
    pub fn may_change_task(&self, assignee: &str, reassigns_or_reschedules: bool) -> bool {
        self.has(Role::Manager)
            || (self.has(Role::Technician) && assignee == self.sub && !reassigns_or_reschedules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::project;

    #[test]
    fn roles_parse_case_insensitively_and_unknown_ones_are_ignored() {
        assert_eq!(Role::parse(" Manager "), Some(Role::Manager));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn permissions_follow_the_staff_api_table() {
        let tech = Staff::new("t@bluerocktel.fr", vec![Role::Technician]);
        let manager = Staff::new("m@bluerocktel.fr", vec![Role::Manager]);
        let admin = Staff::new("a@bluerocktel.fr", vec![Role::Admin]);
        assert!(
            !tech.may(Action::ListProjects)
                && manager.may(Action::ListProjects)
                && admin.may(Action::ListProjects)
        );
        assert!(manager.may(Action::CompleteMilestone) && !admin.may(Action::CompleteMilestone));
        assert!(admin.may(Action::ReopenMilestone) && !manager.may(Action::ReopenMilestone));
        assert!(
            tech.may(Action::ChangeTask)
                && tech.may(Action::ListTasks)
                && !tech.may(Action::AddTask)
        );
        let both = Staff::new("b@bluerocktel.fr", vec![Role::Admin, Role::Manager]);
        assert!(both.may(Action::CompleteMilestone) && both.may(Action::ReopenMilestone));
    }

    #[test]
    fn a_technician_sees_projects_holding_one_of_their_tasks() {
        let (mut p, _) = project();
        let tech = Staff::new("Tech@BlueRockTEL.fr", vec![Role::Technician]);
        assert!(!tech.can_see(&p));
        let new = crate::task_changes::NewTask {
            title: "Survey".into(),
            assignee: "tech@bluerocktel.fr".into(),
            due_date: p.target_go_live,
            description: None,
        };
        p.add_task("order_confirmed", new, "pm", p.created_at).unwrap();
        assert!(tech.can_see(&p));
        assert!(tech.may_change_task("tech@bluerocktel.fr", false));
        assert!(
            !tech.may_change_task("tech@bluerocktel.fr", true),
            "reassigning is a manager's call"
        );
        assert!(!tech.may_change_task("other@bluerocktel.fr", false));
    }
}
