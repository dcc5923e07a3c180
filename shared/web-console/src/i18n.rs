//! The console's words, in French (the default) and English. Templates read
//! them as `t.<key>`; each key has both languages by construction.

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Fr = 0,
    En = 1,
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

/// The strings of `lang`, by key.
pub fn table(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    STRINGS.iter().map(|(key, fr, en)| (*key, lang.pick(fr, en))).collect()
}

/// The word of `key` in `lang` (the key itself if unknown).
pub fn word(lang: Lang, key: &str) -> String {
    STRINGS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or_else(|| key.to_owned(), |(_, fr, en)| lang.pick(fr, en).to_owned())
}

/// (key, French, English).
const STRINGS: &[(&str, &str, &str)] = &[
    ("app", "BlueRockTEL Déploiements", "BlueRockTEL Deployments"),
    ("skip", "Aller au contenu", "Skip to content"),
    ("nav", "Navigation principale", "Main navigation"),
    ("nav_projects", "Projets", "Projects"),
    ("nav_my_tasks", "Mes tâches", "My tasks"),
    ("nav_attention", "Bloquées et en retard", "Blocked & overdue"),
    ("nav_templates", "Modèles de déploiement", "Deployment templates"),
    ("nav_analytics", "Analyses", "Analytics"),
    ("language", "Langue", "Language"),
    ("switch_language", "English", "Français"),
    ("signed_in_as", "Connecté·e :", "Signed in as"),
    ("sign_out", "Se déconnecter", "Sign out"),
    ("sign_in", "Se connecter", "Sign in"),
    ("signed_out", "Vous êtes déconnecté·e.", "You are signed out."),
    ("dev_sign_in", "Connexion de développement", "Development sign-in"),
    (
        "dev_sign_in_help",
        "Pour le lancement local uniquement : choisissez une adresse et des rôles.",
        "For the local runner only: pick an e-mail address and roles.",
    ),
    ("email", "Adresse e-mail", "E-mail address"),
    ("roles", "Rôles", "Roles"),
    ("role_admin", "Administrateur", "Admin"),
    ("role_manager", "Chef de projet", "Project manager"),
    ("role_technician", "Technicien", "Technician"),
    ("error_title", "Erreur", "Error"),
    (
        "error_404",
        "Cette page n'existe pas ou ne vous est pas accessible.",
        "This page does not exist or is not yours to see.",
    ),
    ("error_403", "Votre rôle ne permet pas cette action.", "Your role does not allow this."),
    (
        "error_csrf",
        "Le formulaire a expiré : rechargez la page et recommencez.",
        "The form has expired: reload the page and try again.",
    ),
    (
        "error_503",
        "Le service est momentanément indisponible. Réessayez dans un instant.",
        "The service is unavailable for a moment. Try again shortly.",
    ),
    ("error_sign_in", "La connexion n'a pas abouti.", "Signing in did not go through."),
    ("try_again", "Réessayer", "Try again"),
    ("back_to_projects", "Retour aux projets", "Back to projects"),
    // Projects
    ("projects_title", "Projets", "Projects"),
    ("filters", "Filtres", "Filters"),
    ("filter", "Filtrer", "Filter"),
    ("status", "Statut", "Status"),
    ("health", "Santé", "Health"),
    ("any", "Tous", "Any"),
    ("mine", "Mes projets uniquement", "My projects only"),
    ("customer", "Client", "Customer"),
    ("services", "Services", "Services"),
    ("owner", "Chef de projet", "Project manager"),
    ("target", "Mise en service visée", "Target go-live"),
    ("projected", "Mise en service prévue", "Projected go-live"),
    ("progress", "Avancement", "Progress"),
    ("next_page", "Page suivante", "Next page"),
    ("first_page", "Première page", "First page"),
    ("no_projects", "Aucun projet ne correspond.", "No project matches."),
    ("status_in_progress", "En cours", "In progress"),
    ("status_on_hold", "En pause", "On hold"),
    ("status_cancelled", "Annulé", "Cancelled"),
    ("status_live", "En service", "Live"),
    ("health_on_track", "Dans les temps", "On track"),
    ("health_at_risk", "À risque", "At risk"),
    ("health_late", "En retard", "Late"),
    ("health_none", "—", "—"),
    // Project
    ("project", "Projet", "Project"),
    ("deal", "Affaire", "Deal"),
    ("contact", "Contact technique", "Technical contact"),
    ("undeliverable_bounce", "Courriels refusés depuis le", "Mail bounced since"),
    (
        "undeliverable_complaint",
        "Courriels signalés comme indésirables le",
        "Mail reported as spam on",
    ),
    (
        "undeliverable_fix",
        "Faites corriger le contact dans le CRM.",
        "Have the contact corrected in the CRM.",
    ),
    ("site", "Site", "Site"),
    ("installation_date", "Date d'installation", "Installation date"),
    ("go_live_date", "Date de mise en service", "Go-live date"),
    ("slack", "Marge (jours)", "Slack (days)"),
    ("basis", "Base des durées", "Durations from"),
    ("basis_template", "modèle", "template"),
    ("basis_history", "historique", "history"),
    ("milestones", "Jalons", "Milestones"),
    ("done", "Terminé", "Done"),
    ("current", "En cours", "Current"),
    ("pending", "À venir", "Pending"),
    ("completed_on", "Terminé le", "Completed on"),
    ("by", "par", "by"),
    ("next_action", "Prochaine action", "Next action"),
    ("complete", "Terminer ce jalon", "Complete this milestone"),
    ("note", "Note", "Note"),
    ("reopen", "Rouvrir", "Reopen"),
    ("reason", "Motif", "Reason"),
    ("go_live", "Mise en service", "Go-live"),
    ("go_live_submit", "Mettre en service", "Go live"),
    ("technical_summary", "Synthèse technique", "Technical summary"),
    ("circuit_id", "Identifiant du circuit", "Circuit id"),
    ("ip_addressing", "Adressage IP", "IP addressing"),
    ("numbers", "Numéros (séparés par des virgules)", "Numbers (comma separated)"),
    ("equipment", "Équipement", "Equipment"),
    ("tasks", "Tâches", "Tasks"),
    // History actions, as the project page names them.
    ("project.created", "Projet créé", "Project created"),
    ("project.updated", "Projet modifié par le CRM", "Project changed by the CRM"),
    ("project.held", "Mis en pause", "Put on hold"),
    ("project.resumed", "Repris", "Resumed"),
    ("project.cancelled", "Annulé", "Cancelled"),
    ("project.activated", "Mis en service", "Gone live"),
    ("project.health_changed", "Santé modifiée", "Health changed"),
    ("milestone.completed", "Jalon terminé", "Milestone completed"),
    ("milestone.reopened", "Jalon rouvert", "Milestone reopened"),
    ("task.added", "Tâche ajoutée", "Task added"),
    ("task.updated", "Tâche modifiée", "Task changed"),
    ("task.escalated", "Tâche escaladée", "Task escalated"),
    ("contact.undeliverable", "Contact injoignable par e-mail", "Contact undeliverable by e-mail"),
    ("no_tasks", "Aucune tâche.", "No task."),
    (
        "more_tasks",
        "D'autres tâches suivent : seules les 100 premières de chaque statut sont listées ici.",
        "More tasks follow: only the first 100 of each status are listed here.",
    ),
    ("title", "Intitulé", "Title"),
    ("assignee", "Assignée à", "Assignee"),
    ("due_date", "Échéance", "Due date"),
    ("description", "Description", "Description"),
    ("add_task", "Ajouter la tâche", "Add the task"),
    ("new_task", "Nouvelle tâche", "New task"),
    ("change", "Modifier", "Change"),
    ("save", "Enregistrer", "Save"),
    ("task_todo", "À faire", "To do"),
    ("task_in_progress", "En cours", "In progress"),
    ("task_done", "Terminée", "Done"),
    ("task_blocked", "Bloquée", "Blocked"),
    ("blocked_reason", "Motif du blocage", "Blocked reason"),
    ("category", "Catégorie", "Category"),
    ("category_customer", "Client", "Customer"),
    ("category_carrier", "Opérateur", "Carrier"),
    ("category_site_access", "Accès au site", "Site access"),
    ("category_equipment", "Équipement", "Equipment"),
    ("category_internal", "Interne", "Internal"),
    ("category_other", "Autre", "Other"),
    ("escalation", "Escalade", "Escalation"),
    ("level", "niveau", "level"),
    ("blocked_since", "Bloquée depuis", "Blocked since"),
    ("age_days", "Âge (jours)", "Age (days)"),
    ("lifecycle", "Pause et annulation", "Hold and cancellation"),
    ("hold", "Mettre en pause", "Put on hold"),
    ("hold_until", "Jusqu'au (facultatif)", "Until (optional)"),
    ("on_hold_since", "En pause depuis", "On hold since"),
    ("resume", "Reprendre", "Resume"),
    ("cancel", "Annuler le projet", "Cancel the project"),
    ("cancelled_on", "Annulé le", "Cancelled on"),
    ("deliveries", "Mails et événements du client", "Customer mails and events"),
    (
        "deliveries_help",
        "Ce que le client et les autres systèmes ont reçu de ce projet.",
        "What the customer and the other systems received from this project.",
    ),
    ("kind", "Type", "Kind"),
    ("to", "Destinataire", "To"),
    ("created", "Créé le", "Created"),
    ("delivery", "Remise", "Delivery"),
    ("delivery_pending", "En attente", "Pending"),
    ("delivery_sent", "Envoyé", "Sent"),
    ("delivery_failed", "Échec", "Failed"),
    ("attempts", "tentatives", "attempts"),
    ("mail", "Mail", "Mail"),
    ("event", "Événement", "Event"),
    ("no_deliveries", "Rien n'a encore été envoyé.", "Nothing was sent yet."),
    ("history", "Historique", "History"),
    ("when", "Quand", "When"),
    ("who", "Qui", "Who"),
    ("what", "Quoi", "What"),
    ("subject", "Objet", "Subject"),
    ("done_notice", "C'est enregistré.", "Saved."),
    // Refusals
    (
        "refused_order",
        "Ce jalon ne peut pas encore être terminé : terminez d'abord",
        "This milestone cannot be completed yet: first complete",
    ),
    (
        "refused_open_tasks",
        "Des tâches de ce jalon ne sont pas terminées :",
        "Tasks of this milestone are not done:",
    ),
    ("refused_frozen", "Impossible : le projet est", "Not possible: the project is"),
    (
        "refused_activation_only",
        "Ce jalon se termine par la mise en service.",
        "This milestone is completed by going live.",
    ),
    (
        "refused_pending",
        "Des jalons doivent être terminés avant la mise en service :",
        "Milestones must be completed before go-live:",
    ),
    (
        "refused_not_reopenable",
        "Seul le dernier jalon terminé peut être rouvert.",
        "Only the last completed milestone can be reopened.",
    ),
    ("refused_reason", "Un motif est requis.", "A reason is required."),
    (
        "refused_milestone_done",
        "Ce jalon est terminé : ses tâches ne changent plus.",
        "This milestone is completed: its tasks no longer change.",
    ),
    ("refused_too_many", "Trop de tâches sur ce projet.", "Too many tasks on this project."),
    (
        "refused_too_many_blocked",
        "Trop de tâches bloquées : mettez plutôt le projet en pause.",
        "Too many blocked tasks: put the project on hold instead.",
    ),
    (
        "refused_transition",
        "Ce changement de statut n'est pas possible :",
        "This status change is not possible:",
    ),
    ("refused_invalid", "Certains champs sont à corriger :", "Some fields need correcting:"),
    (
        "refused_stale",
        "Le modèle a changé entre-temps ; rechargez-le. Version actuelle :",
        "The template changed meanwhile; reload it. Current version:",
    ),
    (
        "refused_busy",
        "Le projet change en ce moment ; réessayez.",
        "The project is changing right now; try again.",
    ),
    (
        "refused_forbidden",
        "Votre rôle ne permet pas cette action.",
        "Your role does not allow this.",
    ),
    (
        "refused_installation_date",
        "La date d'installation n'est pas acceptée :",
        "The installation date is not accepted:",
    ),
    // Tasks
    ("my_tasks_title", "Mes tâches", "My tasks"),
    ("attention_title", "Tâches bloquées et en retard", "Blocked and overdue tasks"),
    ("blocked_tasks", "Bloquées", "Blocked"),
    ("overdue_tasks", "En retard", "Overdue"),
    ("no_my_tasks", "Aucune tâche ne vous est assignée.", "No task is assigned to you."),
    ("open_project", "Ouvrir le projet", "Open the project"),
    // Templates
    ("templates_title", "Modèles de déploiement", "Deployment templates"),
    ("service_type", "Type de service", "Service type"),
    ("version", "Version", "Version"),
    ("edit", "Modifier", "Edit"),
    ("view", "Voir", "View"),
    ("open_template", "Ouvrir le modèle", "Open the template"),
    ("key", "Clé", "Key"),
    ("name_fr", "Nom (français)", "Name (French)"),
    ("name_en", "Nom (anglais)", "Name (English)"),
    ("expected_days", "Durée prévue (jours)", "Expected days"),
    ("customer_mail", "Mail au client", "Customer mail"),
    ("mail_none", "Aucun", "None"),
    ("mail_order_confirmed", "Commande confirmée", "Order confirmed"),
    ("mail_delivery_confirmed", "Livraison confirmée", "Delivery confirmed"),
    ("mail_go_live", "Mise en service", "Go-live"),
    ("activation", "Jalon de mise en service", "Go-live milestone"),
    (
        "default_tasks",
        "Tâches par défaut (une par ligne : intitulé | jours après le début)",
        "Default tasks (one per line: title | days after the start)",
    ),
    ("at_risk_days", "Seuil « à risque » (jours de marge)", "At-risk threshold (days of slack)"),
    (
        "history_min_go_lives",
        "Mises en service avant d'apprendre les durées",
        "Go-lives before durations are learned",
    ),
    (
        "add_milestone",
        "Jalon supplémentaire (laisser vide pour ignorer)",
        "Extra milestone (leave empty to skip)",
    ),
    ("remove", "Retirer", "Remove"),
    ("save_version", "Enregistrer une nouvelle version", "Save a new version"),
    ("updated", "Modifié", "Updated"),
    (
        "read_only",
        "Lecture seule : seuls les administrateurs modifient les modèles.",
        "Read only: only admins edit templates.",
    ),
    // Analytics
    ("analytics_title", "Analyses des déploiements", "Deployment analytics"),
    ("from_month", "Du mois", "From month"),
    ("to_month", "Au mois", "To month"),
    ("show", "Afficher", "Show"),
    ("download_csv", "Télécharger en CSV", "Download as CSV"),
    ("go_lives", "Mises en service", "Go-lives"),
    ("lead_time", "Délai de mise en service (jours)", "Lead time (days)"),
    (
        "lead_time_distribution",
        "Répartition des délais (p50, p85, p95, jours)",
        "Lead time distribution (p50, p85, p95, days)",
    ),
    ("time_per_milestone", "Durée par jalon (p50, jours)", "Time per milestone (p50, days)"),
    (
        "blocked_by_category",
        "Temps bloqué par catégorie (jours)",
        "Blocked time by category (days)",
    ),
    ("on_time_rate", "À l'heure", "On time"),
    ("held_days", "Jours en pause", "Days on hold"),
    ("no_go_lives", "Aucune mise en service sur cette période.", "No go-live in this window."),
    ("days", "jours", "days"),
    // Customer status page
    ("status_page_title", "Suivi de votre installation", "Your installation's progress"),
    ("status_reached", "Étapes franchies", "Steps reached"),
    ("status_planned_installation", "Installation prévue le", "Installation planned on"),
    ("status_projected", "Mise en service prévue le", "Go-live expected on"),
    ("status_live_on", "En service depuis le", "Live since"),
    ("status_contact", "Votre chef de projet", "Your project manager"),
    (
        "customer_on_hold",
        "Votre projet est momentanément en pause.",
        "Your project is paused for now.",
    ),
    ("customer_cancelled", "Ce projet a été annulé.", "This project was cancelled."),
    ("not_yet", "à venir", "to come"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_has_both_languages() {
        let mut keys = std::collections::BTreeSet::new();
        for (key, fr, en) in STRINGS {
            assert!(keys.insert(*key), "{key} twice");
            assert!(!fr.is_empty() && !en.is_empty(), "{key} lacks a language");
        }
        assert_eq!(table(Lang::En)["nav_projects"], "Projects");
        assert_eq!(word(Lang::Fr, "nav_projects"), "Projets");
    }
}
