//! Templates embedded in the binary (customer mail, console pages) and
//! rendered with minijinja: each is compiled at its first render, not at
//! start-up, so that a cold start compiles none of them.

use minijinja::Environment;

/// (name, source) of each template of one set.
pub type Templates = &'static [(&'static str, &'static str)];

/// Makes `templates` loadable by name in `env`, compiled when first used.
pub fn load_lazily(env: &mut Environment<'static>, templates: Templates) {
    env.set_loader(move |name| {
        Ok(templates.iter().find(|(n, _)| *n == name).map(|(_, source)| (*source).to_owned()))
    });
}

/// Compiles every one of `templates` (what start-up no longer checks); the
/// first that does not compile, with its name.
pub fn compile_all(
    env: &Environment<'static>,
    templates: Templates,
) -> Result<(), (&'static str, minijinja::Error)> {
    for (name, _) in templates {
        env.get_template(name).map_err(|e| (*name, e))?;
    }
    Ok(())
}
