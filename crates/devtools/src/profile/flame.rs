//! Flame graphs of a profile, drawn by inferno.

use super::report::Profile;

/// Why no flame graph could be drawn.
#[derive(Debug, thiserror::Error)]
pub enum FlameError {
    #[error("nothing to draw: no guest function ran long enough to be measured")]
    Empty,
    #[error("cannot draw the flame graph: {0}")]
    Draw(String),
}

impl Profile {
    /// An SVG flame graph of self time by stack.
    pub fn flamegraph(&self, title: &str) -> Result<Vec<u8>, FlameError> {
        if self.stacks.is_empty() {
            return Err(FlameError::Empty);
        }
        let mut options = inferno::flamegraph::Options::default();
        options.title = title.to_string();
        options.count_name = "ns".to_string();
        let folded = self.folded();
        let mut svg = Vec::new();
        inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg)
            .map_err(|e| FlameError::Draw(e.to_string()))?;
        Ok(svg)
    }
}
