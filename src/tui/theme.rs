//! Semantic style roles and the two themes that give them a look.
//!
//! Everything drawn names a [`Role`] (what the text *is*), never a colour. The colour theme
//! adds colours on top of modifiers; the `NO_COLOR` theme uses modifiers only, because with
//! ratatui 0.30 and crossterm 0.29 a cell that sets any colour under `NO_COLOR` loses its
//! bold/reverse too. Meaning never rests on colour alone: passing and failing trace rows also
//! differ by mark (✔/✘) and by weight (bold/dim).

use ratatui::style::{Color, Modifier, Style};

/// What a piece of text is, independent of how it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Ordinary text.
    Text,
    /// Secondary text (hints, empty-state help).
    Dim,
    /// The "you" label above a user turn.
    UserLabel,
    /// The bot's name above its replies.
    BotLabel,
    /// The marker of the turn the trace pane shows.
    Selected,
    /// A link's text.
    LinkText,
    /// A URL.
    Url,
    /// Quoted text (`> …`).
    Quote,
    /// The bar in front of quoted text.
    QuoteBar,
    /// Inline code.
    Code,
    /// Bold text (`**…**`).
    Strong,
    /// A heading (`# …`).
    Heading,
    /// The "thinking…" marker of a pending turn.
    Thinking,
    /// An error.
    Error,
    /// A trace row that passed the threshold.
    Pass,
    /// A trace row that did not.
    Fail,
    /// The threshold line and marker.
    Threshold,
    /// The filled part of a confidence bar.
    BarFill,
    /// The empty part of a confidence bar.
    BarEmpty,
    /// The selected tab.
    TabActive,
    /// Other tabs.
    TabInactive,
    /// A key name in the footer or help.
    Key,
    /// The mode badge in the footer.
    Mode,
    /// Pane borders.
    Border,
    /// Pane and popup titles.
    Title,
    /// A transient status message.
    Status,
    /// The problems indicator.
    Warning,
    /// The input cursor.
    Cursor,
    /// The input placeholder.
    Placeholder,
    /// The selected row of a focused list (trace rows, picker matches).
    Highlight,
    /// The border of the pane that has the focus.
    FocusBorder,
}

/// Maps roles to styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    colors: bool,
}

impl Theme {
    /// The colour theme.
    pub const fn colored() -> Self {
        Self { colors: true }
    }

    /// The `NO_COLOR` theme: modifiers only.
    pub const fn no_color() -> Self {
        Self { colors: false }
    }

    /// Whether this theme uses colours.
    pub const fn has_colors(&self) -> bool {
        self.colors
    }

    /// The style of `role`.
    pub fn style(&self, role: Role) -> Style {
        let base = Style::new().add_modifier(modifiers(role));
        match (self.colors, color(role)) {
            (true, Some(fg)) => base.fg(fg),
            _ => base,
        }
    }
}

/// The modifiers of a role, shared by both themes.
fn modifiers(role: Role) -> Modifier {
    match role {
        Role::Text | Role::TabInactive | Role::BarFill | Role::Border => Modifier::empty(),
        Role::Dim | Role::QuoteBar | Role::BarEmpty | Role::Placeholder | Role::Fail => {
            Modifier::DIM
        }
        Role::Url => Modifier::DIM | Modifier::UNDERLINED,
        Role::LinkText => Modifier::UNDERLINED,
        Role::UserLabel | Role::BotLabel | Role::Strong | Role::Key | Role::Title | Role::Pass => {
            Modifier::BOLD
        }
        Role::Error | Role::Warning | Role::Code => Modifier::BOLD,
        Role::Heading => Modifier::BOLD | Modifier::UNDERLINED,
        Role::Quote | Role::Status => Modifier::ITALIC,
        Role::Thinking => Modifier::ITALIC | Modifier::DIM,
        Role::Threshold => Modifier::ITALIC,
        Role::Selected => Modifier::BOLD,
        Role::TabActive | Role::Mode => Modifier::REVERSED | Modifier::BOLD,
        Role::Cursor | Role::Highlight => Modifier::REVERSED,
        Role::FocusBorder => Modifier::BOLD,
    }
}

/// The foreground colour of a role in the colour theme.
fn color(role: Role) -> Option<Color> {
    match role {
        Role::UserLabel => Some(Color::Cyan),
        Role::BotLabel | Role::Title => Some(Color::Magenta),
        Role::Selected | Role::Warning | Role::Threshold => Some(Color::Yellow),
        Role::LinkText | Role::Url => Some(Color::Blue),
        Role::Quote | Role::QuoteBar => Some(Color::Green),
        Role::Code => Some(Color::LightYellow),
        Role::Error | Role::Fail => Some(Color::Red),
        Role::Pass | Role::BarFill => Some(Color::Green),
        Role::Key => Some(Color::Cyan),
        Role::Mode => Some(Color::Blue),
        Role::FocusBorder => Some(Color::Cyan),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [Role; 32] = [
        Role::Highlight,
        Role::FocusBorder,
        Role::Text,
        Role::Dim,
        Role::UserLabel,
        Role::BotLabel,
        Role::Selected,
        Role::LinkText,
        Role::Url,
        Role::Quote,
        Role::QuoteBar,
        Role::Code,
        Role::Strong,
        Role::Heading,
        Role::Thinking,
        Role::Error,
        Role::Pass,
        Role::Fail,
        Role::Threshold,
        Role::BarFill,
        Role::BarEmpty,
        Role::TabActive,
        Role::TabInactive,
        Role::Key,
        Role::Mode,
        Role::Border,
        Role::Title,
        Role::Status,
        Role::Warning,
        Role::Cursor,
        Role::Placeholder,
        Role::Text,
    ];

    #[test]
    fn no_color_theme_sets_no_colour() {
        let theme = Theme::no_color();
        for role in ROLES {
            let style = theme.style(role);
            assert_eq!((style.fg, style.bg), (None, None), "{role:?}");
        }
    }

    #[test]
    fn pass_and_fail_differ_without_colour() {
        let theme = Theme::no_color();
        assert_ne!(theme.style(Role::Pass), theme.style(Role::Fail));
        assert_ne!(theme.style(Role::LinkText), theme.style(Role::Url));
    }
}
