//! The console's words, in French (the default) and English, declared
//! once each by [`strings!`]: a [`Strings`] field per key, and one value of
//! it per language ([`Strings::FR`], [`Strings::EN`]). Templates read
//! `t.<key>`, so a misspelled key does not compile; words that depend on a
//! value (a status, a category…) come from methods taking the domain's
//! type (`t.status_name(&p.status)`), not from keys built at run time.

use api::problem::Kind;
use domain::forecast::{Basis, Health};
use domain::hold_and_cancel::Category;
use domain::mail_feedback::Feedback;
use domain::milestone::CustomerMail;
use domain::project::ProjectStatus;
use domain::staff::Role;
use domain::task::TaskStatus;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "fr" => Some(Self::Fr),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    /// The language the switch offers.
    pub fn other(self) -> Self {
        match self {
            Self::Fr => Self::En,
            Self::En => Self::Fr,
        }
    }

    /// Picks the word of this language.
    pub fn pick<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Fr => fr,
            Self::En => en,
        }
    }
}

impl From<domain::deal::Language> for Lang {
    fn from(language: domain::deal::Language) -> Self {
        match language {
            domain::deal::Language::Fr => Self::Fr,
            domain::deal::Language::En => Self::En,
        }
    }
}

/// Declares every string once, `key: "French", "English";`, and makes of
/// them the [`Strings`] struct and its two values.
macro_rules! strings {
    ($($key:ident: $fr:literal, $en:literal;)*) => {
        /// Every word of the console in one language.
        pub struct Strings {
            $(pub $key: &'static str,)*
        }

        impl Strings {
            pub const FR: Self = Self { $($key: $fr,)* };
            pub const EN: Self = Self { $($key: $en,)* };
        }

        /// (key, French, English), for the tests.
        #[cfg(test)]
        const TABLE: &[(&str, &str, &str)] = &[$((stringify!($key), $fr, $en),)*];
    };
}

static FR: Strings = Strings::FR;
static EN: Strings = Strings::EN;

impl Strings {
    /// The words of `lang`.
    pub fn of(lang: Lang) -> &'static Self {
        match lang {
            Lang::Fr => &FR,
            Lang::En => &EN,
        }
    }

    pub fn status_name(&self, status: &ProjectStatus) -> &'static str {
        match status {
            ProjectStatus::InProgress => self.status_in_progress,
            ProjectStatus::OnHold => self.status_on_hold,
            ProjectStatus::Cancelled => self.status_cancelled,
            ProjectStatus::Live => self.status_live,
        }
    }

    /// A health; `None` (no clock runs) is a dash.
    pub fn health_name(&self, health: &Health) -> &'static str {
        match health {
            Health::None => self.health_none,
            Health::OnTrack => self.health_on_track,
            Health::AtRisk => self.health_at_risk,
            Health::Late => self.health_late,
        }
    }

    pub fn task_status_name(&self, status: &TaskStatus) -> &'static str {
        match status {
            TaskStatus::Todo => self.task_todo,
            TaskStatus::InProgress => self.task_in_progress,
            TaskStatus::Done => self.task_done,
            TaskStatus::Blocked => self.task_blocked,
        }
    }

    pub fn category_name(&self, category: &Category) -> &'static str {
        match category {
            Category::Customer => self.category_customer,
            Category::Carrier => self.category_carrier,
            Category::SiteAccess => self.category_site_access,
            Category::Equipment => self.category_equipment,
            Category::Internal => self.category_internal,
            Category::Other => self.category_other,
        }
    }

    pub fn basis_name(&self, basis: &Basis) -> &'static str {
        match basis {
            Basis::Template => self.basis_template,
            Basis::History => self.basis_history,
        }
    }

    pub fn mail_name(&self, mail: &CustomerMail) -> &'static str {
        match mail {
            CustomerMail::OrderConfirmed => self.mail_order_confirmed,
            CustomerMail::DeliveryConfirmed => self.mail_delivery_confirmed,
            CustomerMail::GoLive => self.mail_go_live,
        }
    }

    /// What the contact's undeliverable mail says, before its date.
    pub fn undeliverable_name(&self, feedback: &Feedback) -> &'static str {
        match feedback {
            Feedback::Bounce => self.undeliverable_bounce,
            Feedback::Complaint => self.undeliverable_complaint,
        }
    }

    pub fn role_name(&self, role: &Role) -> &'static str {
        match role {
            Role::Admin => self.role_admin,
            Role::Manager => self.role_manager,
            Role::Technician => self.role_technician,
        }
    }

    /// A history entry's action (the domain records it as text, e.g.
    /// `task.updated`); one the console has no words for shows as it is.
    pub fn action_name<'a>(&self, action: &'a str) -> &'a str {
        match action {
            "project.created" => self.action_project_created,
            "project.updated" => self.action_project_updated,
            "project.held" => self.action_project_held,
            "project.resumed" => self.action_project_resumed,
            "project.cancelled" => self.action_project_cancelled,
            "project.activated" => self.action_project_activated,
            "project.health_changed" => self.action_project_health_changed,
            "milestone.completed" => self.action_milestone_completed,
            "milestone.reopened" => self.action_milestone_reopened,
            "task.added" => self.action_task_added,
            "task.updated" => self.action_task_updated,
            "task.escalated" => self.action_task_escalated,
            "contact.undeliverable" => self.action_contact_undeliverable,
            other => other,
        }
    }

    /// The sentence shown for a refusal of this kind (the API's kinds:
    /// the console words each one its use cases can give).
    pub fn refusal(&self, kind: Kind) -> &'static str {
        match kind {
            Kind::MilestoneOutOfOrder => self.refused_order,
            Kind::OpenTasks => self.refused_open_tasks,
            Kind::ActivationRequired => self.refused_activation_only,
            Kind::NotReopenable => self.refused_not_reopenable,
            Kind::ProjectLive | Kind::ProjectOnHold | Kind::ProjectCancelled => self.refused_frozen,
            Kind::MilestoneCompleted => self.refused_milestone_done,
            Kind::InvalidTransition => self.refused_transition,
            Kind::TaskLimitReached => self.refused_too_many,
            Kind::BlockedTaskLimitReached => self.refused_too_many_blocked,
            Kind::ConcurrentModification => self.refused_busy,
            Kind::MilestonesPending => self.refused_pending,
            Kind::TemplateVersionConflict => self.refused_stale,
            Kind::ValidationFailed => self.refused_invalid,
            Kind::NotFound => self.error_404,
            Kind::Forbidden | Kind::Unauthenticated => self.refused_forbidden,
            Kind::ServiceUnavailable | Kind::Internal => self.error_503,
            // Not a use case's refusal: the console never meets them.
            Kind::MalformedJson
            | Kind::InvalidSignature
            | Kind::MethodNotAllowed
            | Kind::UnsupportedMediaType
            | Kind::PayloadTooLarge
            | Kind::BadRequest
            | Kind::DealConflict
            | Kind::DealCancelled
            | Kind::StaleRevision => self.refused_other,
        }
    }
}

strings! {
    app: "BlueRockTEL Déploiements", "BlueRockTEL Deployments";
    skip: "Aller au contenu", "Skip to content";
    nav: "Navigation principale", "Main navigation";
    nav_projects: "Projets", "Projects";
    nav_my_tasks: "Mes tâches", "My tasks";
    nav_attention: "Bloquées et en retard", "Blocked & overdue";
    nav_templates: "Modèles de déploiement", "Deployment templates";
    nav_analytics: "Analyses", "Analytics";
    language: "Langue", "Language";
    switch_language: "English", "Français";
    signed_in_as: "Connecté·e :", "Signed in as";
    sign_out: "Se déconnecter", "Sign out";
    sign_in: "Se connecter", "Sign in";
    signed_out: "Vous êtes déconnecté·e.", "You are signed out.";
    dev_sign_in: "Connexion de développement", "Development sign-in";
    dev_sign_in_help:
        "Pour le lancement local uniquement : choisissez une adresse et des rôles.",
        "For the local runner only: pick an e-mail address and roles.";
    email: "Adresse e-mail", "E-mail address";
    roles: "Rôles", "Roles";
    role_admin: "Administrateur", "Admin";
    role_manager: "Chef de projet", "Project manager";
    role_technician: "Technicien", "Technician";
    error_title: "Erreur", "Error";
    error_404:
        "Cette page n'existe pas ou ne vous est pas accessible.",
        "This page does not exist or is not yours to see.";
    error_403: "Votre rôle ne permet pas cette action.", "Your role does not allow this.";
    error_csrf:
        "Le formulaire a expiré : rechargez la page et recommencez.",
        "The form has expired: reload the page and try again.";
    error_503:
        "Le service est momentanément indisponible. Réessayez dans un instant.",
        "The service is unavailable for a moment. Try again shortly.";
    error_sign_in: "La connexion n'a pas abouti.", "Signing in did not go through.";
    try_again: "Réessayer", "Try again";
    back_to_projects: "Retour aux projets", "Back to projects";
    // Projects
    projects_title: "Projets", "Projects";
    filters: "Filtres", "Filters";
    filter: "Filtrer", "Filter";
    status: "Statut", "Status";
    health: "Santé", "Health";
    any: "Tous", "Any";
    mine: "Mes projets uniquement", "My projects only";
    customer: "Client", "Customer";
    services: "Services", "Services";
    owner: "Chef de projet", "Project manager";
    target: "Mise en service visée", "Target go-live";
    projected: "Mise en service prévue", "Projected go-live";
    progress: "Avancement", "Progress";
    next_page: "Page suivante", "Next page";
    first_page: "Première page", "First page";
    no_projects: "Aucun projet ne correspond.", "No project matches.";
    status_in_progress: "En cours", "In progress";
    status_on_hold: "En pause", "On hold";
    status_cancelled: "Annulé", "Cancelled";
    status_live: "En service", "Live";
    health_on_track: "Dans les temps", "On track";
    health_at_risk: "À risque", "At risk";
    health_late: "En retard", "Late";
    health_none: "—", "—";
    // Project
    project: "Projet", "Project";
    deal: "Affaire", "Deal";
    contact: "Contact technique", "Technical contact";
    undeliverable_bounce: "Courriels refusés depuis le", "Mail bounced since";
    undeliverable_complaint: "Courriels signalés comme indésirables le", "Mail reported as spam on";
    undeliverable_fix:
        "Faites corriger le contact dans le CRM.", "Have the contact corrected in the CRM.";
    site: "Site", "Site";
    installation_date: "Date d'installation", "Installation date";
    go_live_date: "Date de mise en service", "Go-live date";
    slack: "Marge (jours)", "Slack (days)";
    basis: "Base des durées", "Durations from";
    basis_template: "modèle", "template";
    basis_history: "historique", "history";
    milestones: "Jalons", "Milestones";
    done: "Terminé", "Done";
    current: "En cours", "Current";
    pending: "À venir", "Pending";
    completed_on: "Terminé le", "Completed on";
    by: "par", "by";
    next_action: "Prochaine action", "Next action";
    complete: "Terminer ce jalon", "Complete this milestone";
    note: "Note", "Note";
    reopen: "Rouvrir", "Reopen";
    reason: "Motif", "Reason";
    go_live: "Mise en service", "Go-live";
    go_live_submit: "Mettre en service", "Go live";
    technical_summary: "Synthèse technique", "Technical summary";
    circuit_id: "Identifiant du circuit", "Circuit id";
    ip_addressing: "Adressage IP", "IP addressing";
    numbers: "Numéros (séparés par des virgules)", "Numbers (comma separated)";
    equipment: "Équipement", "Equipment";
    tasks: "Tâches", "Tasks";
    // History actions, as the project page names them.
    action_project_created: "Projet créé", "Project created";
    action_project_updated: "Projet modifié par le CRM", "Project changed by the CRM";
    action_project_held: "Mis en pause", "Put on hold";
    action_project_resumed: "Repris", "Resumed";
    action_project_cancelled: "Annulé", "Cancelled";
    action_project_activated: "Mis en service", "Gone live";
    action_project_health_changed: "Santé modifiée", "Health changed";
    action_milestone_completed: "Jalon terminé", "Milestone completed";
    action_milestone_reopened: "Jalon rouvert", "Milestone reopened";
    action_task_added: "Tâche ajoutée", "Task added";
    action_task_updated: "Tâche modifiée", "Task changed";
    action_task_escalated: "Tâche escaladée", "Task escalated";
    action_contact_undeliverable:
        "Contact injoignable par e-mail", "Contact undeliverable by e-mail";
    no_tasks: "Aucune tâche.", "No task.";
    more_tasks:
        "D'autres tâches suivent : seules les 100 premières de chaque statut sont listées ici.",
        "More tasks follow: only the first 100 of each status are listed here.";
    title: "Intitulé", "Title";
    assignee: "Assignée à", "Assignee";
    due_date: "Échéance", "Due date";
    description: "Description", "Description";
    add_task: "Ajouter la tâche", "Add the task";
    new_task: "Nouvelle tâche", "New task";
    change: "Modifier", "Change";
    save: "Enregistrer", "Save";
    task_todo: "À faire", "To do";
    task_in_progress: "En cours", "In progress";
    task_done: "Terminée", "Done";
    task_blocked: "Bloquée", "Blocked";
    blocked_reason: "Motif du blocage", "Blocked reason";
    category: "Catégorie", "Category";
    category_customer: "Client", "Customer";
    category_carrier: "Opérateur", "Carrier";
    category_site_access: "Accès au site", "Site access";
    category_equipment: "Équipement", "Equipment";
    category_internal: "Interne", "Internal";
    category_other: "Autre", "Other";
    escalation: "Escalade", "Escalation";
    level: "niveau", "level";
    blocked_since: "Bloquée depuis", "Blocked since";
    age_days: "Âge (jours)", "Age (days)";
    lifecycle: "Pause et annulation", "Hold and cancellation";
    hold: "Mettre en pause", "Put on hold";
    hold_until: "Jusqu'au (facultatif)", "Until (optional)";
    on_hold_since: "En pause depuis", "On hold since";
    resume: "Reprendre", "Resume";
    cancel: "Annuler le projet", "Cancel the project";
    cancelled_on: "Annulé le", "Cancelled on";
    deliveries: "Mails et événements du client", "Customer mails and events";
    deliveries_help:
        "Ce que le client et les autres systèmes ont reçu de ce projet.",
        "What the customer and the other systems received from this project.";
    kind: "Type", "Kind";
    to: "Destinataire", "To";
    created: "Créé le", "Created";
    delivery: "Remise", "Delivery";
    delivery_pending: "En attente", "Pending";
    delivery_sent: "Envoyé", "Sent";
    delivery_failed: "Échec", "Failed";
    attempts: "tentatives", "attempts";
    mail: "Mail", "Mail";
    event: "Événement", "Event";
    no_deliveries: "Rien n'a encore été envoyé.", "Nothing was sent yet.";
    history: "Historique", "History";
    when: "Quand", "When";
    who: "Qui", "Who";
    what: "Quoi", "What";
    subject: "Objet", "Subject";
    done_notice: "C'est enregistré.", "Saved.";
    // Refusals
    refused_order:
        "Ce jalon ne peut pas encore être terminé : terminez d'abord",
        "This milestone cannot be completed yet: first complete";
    refused_open_tasks:
        "Des tâches de ce jalon ne sont pas terminées :", "Tasks of this milestone are not done:";
    refused_frozen: "Impossible : le projet est", "Not possible: the project is";
    refused_activation_only:
        "Ce jalon se termine par la mise en service.", "This milestone is completed by going live.";
    refused_pending:
        "Des jalons doivent être terminés avant la mise en service :",
        "Milestones must be completed before go-live:";
    refused_not_reopenable:
        "Seul le dernier jalon terminé peut être rouvert.",
        "Only the last completed milestone can be reopened.";
    refused_reason: "Un motif est requis.", "A reason is required.";
    refused_milestone_done:
        "Ce jalon est terminé : ses tâches ne changent plus.",
        "This milestone is completed: its tasks no longer change.";
    refused_too_many: "Trop de tâches sur ce projet.", "Too many tasks on this project.";
    refused_too_many_blocked:
        "Trop de tâches bloquées : mettez plutôt le projet en pause.",
        "Too many blocked tasks: put the project on hold instead.";
    refused_transition:
        "Ce changement de statut n'est pas possible :", "This status change is not possible:";
    refused_invalid: "Certains champs sont à corriger :", "Some fields need correcting:";
    refused_stale:
        "Le modèle a changé entre-temps ; rechargez-le. Version actuelle :",
        "The template changed meanwhile; reload it. Current version:";
    refused_busy:
        "Le projet change en ce moment ; réessayez.",
        "The project is changing right now; try again.";
    refused_forbidden: "Votre rôle ne permet pas cette action.", "Your role does not allow this.";
    refused_other: "Cette demande n'a pas abouti.", "This request did not go through.";
    refused_installation_date:
        "La date d'installation n'est pas acceptée :", "The installation date is not accepted:";
    // Tasks
    my_tasks_title: "Mes tâches", "My tasks";
    attention_title: "Tâches bloquées et en retard", "Blocked and overdue tasks";
    blocked_tasks: "Bloquées", "Blocked";
    overdue_tasks: "En retard", "Overdue";
    no_my_tasks: "Aucune tâche ne vous est assignée.", "No task is assigned to you.";
    open_project: "Ouvrir le projet", "Open the project";
    // Templates
    templates_title: "Modèles de déploiement", "Deployment templates";
    service_type: "Type de service", "Service type";
    version: "Version", "Version";
    edit: "Modifier", "Edit";
    view: "Voir", "View";
    open_template: "Ouvrir le modèle", "Open the template";
    key: "Clé", "Key";
    name_fr: "Nom (français)", "Name (French)";
    name_en: "Nom (anglais)", "Name (English)";
    expected_days: "Durée prévue (jours)", "Expected days";
    customer_mail: "Mail au client", "Customer mail";
    mail_none: "Aucun", "None";
    mail_order_confirmed: "Commande confirmée", "Order confirmed";
    mail_delivery_confirmed: "Livraison confirmée", "Delivery confirmed";
    mail_go_live: "Mise en service", "Go-live";
    activation: "Jalon de mise en service", "Go-live milestone";
    default_tasks:
        "Tâches par défaut (une par ligne : intitulé | jours après le début)",
        "Default tasks (one per line: title | days after the start)";
    at_risk_days: "Seuil « à risque » (jours de marge)", "At-risk threshold (days of slack)";
    history_min_go_lives:
        "Mises en service avant d'apprendre les durées", "Go-lives before durations are learned";
    add_milestone:
        "Jalon supplémentaire (laisser vide pour ignorer)", "Extra milestone (leave empty to skip)";
    remove: "Retirer", "Remove";
    save_version: "Enregistrer une nouvelle version", "Save a new version";
    updated: "Modifié", "Updated";
    read_only:
        "Lecture seule : seuls les administrateurs modifient les modèles.",
        "Read only: only admins edit templates.";
    // Analytics
    analytics_title: "Analyses des déploiements", "Deployment analytics";
    from_month: "Du mois", "From month";
    to_month: "Au mois", "To month";
    show: "Afficher", "Show";
    download_csv: "Télécharger en CSV", "Download as CSV";
    go_lives: "Mises en service", "Go-lives";
    lead_time: "Délai de mise en service (jours)", "Lead time (days)";
    lead_time_distribution:
        "Répartition des délais (p50, p85, p95, jours)",
        "Lead time distribution (p50, p85, p95, days)";
    time_per_milestone: "Durée par jalon (p50, jours)", "Time per milestone (p50, days)";
    blocked_by_category: "Temps bloqué par catégorie (jours)", "Blocked time by category (days)";
    on_time_rate: "À l'heure", "On time";
    held_days: "Jours en pause", "Days on hold";
    no_go_lives: "Aucune mise en service sur cette période.", "No go-live in this window.";
    days: "jours", "days";
    // Customer status page
    status_page_title: "Suivi de votre installation", "Your installation's progress";
    status_reached: "Étapes franchies", "Steps reached";
    status_planned_installation: "Installation prévue le", "Installation planned on";
    status_projected: "Mise en service prévue le", "Go-live expected on";
    status_live_on: "En service depuis le", "Live since";
    status_contact: "Votre chef de projet", "Your project manager";
    customer_on_hold: "Votre projet est momentanément en pause.", "Your project is paused for now.";
    customer_cancelled: "Ce projet a été annulé.", "This project was cancelled.";
    not_yet: "à venir", "to come";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique() {
        let mut keys = std::collections::BTreeSet::new();
        for (key, _, _) in TABLE {
            assert!(keys.insert(*key), "{key} twice");
        }
        assert_eq!(Strings::of(Lang::En).nav_projects, "Projects");
        assert_eq!(Strings::of(Lang::Fr).nav_projects, "Projets");
    }

    #[test]
    fn no_string_is_empty_in_either_language() {
        for (key, fr, en) in TABLE {
            assert!(!fr.trim().is_empty(), "{key} has no French");
            assert!(!en.trim().is_empty(), "{key} has no English");
        }
    }

    #[test]
    fn a_history_action_without_words_shows_as_recorded() {
        let t = Strings::of(Lang::Fr);
        assert_eq!(t.action_name("task.updated"), "Tâche modifiée");
        assert_eq!(t.action_name("task.renamed"), "task.renamed");
    }
}
