//! The evaluation view: a page bar (Overview, Confusion, Confidences, Misrouted) with the
//! threshold marker, then the page. Charts are ratatui's own: the threshold sweep is a
//! [`Chart`], the confidence histograms are [`BarChart`]s; the confusion matrix is a grid of
//! counts with a shade per cell (its share of the row) and, where there is room, the same
//! matrix as a heat map on a [`Canvas`](ratatui::widgets::canvas::Canvas). Every series and marker differs by
//! shape and text, not colour alone, so all of it reads under `NO_COLOR`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{Axis, Bar, BarChart, BarGroup, Chart, Clear, Dataset, Gauge, GraphType};

use super::{pane, paragraph};
use crate::eval::metrics::{BINS, Figures};
use crate::text::sanitize_line;
use crate::tui::eval::{EvalPage, EvalState, EvalView};
use crate::tui::state::App;
use crate::tui::theme::{Role, Theme};
use crate::tui::wrap::{Row, Segment, fit, truncate};

/// The body: below the tab bar, above the footer.
fn body(screen: Rect) -> Rect {
    Rect::new(
        screen.x,
        screen.y + 1,
        screen.width,
        screen.height.saturating_sub(2),
    )
}

/// A rate as a percentage, or `–` when undefined.
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_string(), |r| format!("{:.1} %", 100.0 * r))
}

/// Draws the view over the body of the screen.
pub fn draw(frame: &mut Frame, app: &App, view: &EvalView) {
    let area = body(frame.area());
    if area.height < 3 || area.width < 20 {
        return;
    }
    let theme = &app.theme;
    let title = match &view.run {
        Some(run) => format!(
            " Evaluation · {} · {} questions · {} ms ",
            sanitize_line(&run.file),
            run.outcomes.len(),
            run.millis
        ),
        None => " Evaluation ".to_string(),
    };
    frame.render_widget(Clear, area);
    frame.render_widget(pane(title, theme, true), area);
    let inner = area.inner(Margin::new(1, 1));
    let width = usize::from(inner.width);
    match &view.state {
        EvalState::Listing => {
            let rows = vec![vec![Segment::new(
                "Looking for labelled sets in tests/…",
                Role::Thinking,
            )]];
            frame.render_widget(paragraph(&rows, theme), inner);
        }
        EvalState::Picking => {
            let mut rows = vec![fit(
                vec![Segment::new(
                    "Which labelled set? (Enter runs it)",
                    Role::Dim,
                )],
                width,
            )];
            for (n, file) in view.files.iter().enumerate() {
                let (mark, role) = if n == view.picked {
                    ("▶ ", Role::Highlight)
                } else {
                    ("  ", Role::Text)
                };
                rows.push(fit(
                    vec![Segment::new(
                        format!("{mark}tests/{}", sanitize_line(file)),
                        role,
                    )],
                    width,
                ));
            }
            frame.render_widget(paragraph(&rows, theme), inner);
        }
        EvalState::Running { file, done, total } => {
            let ratio = if *total > 0 {
                (*done as f64 / *total as f64).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let [label, gauge] =
                Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(inner);
            let text = format!("Running tests/{} …", sanitize_line(file));
            frame.render_widget(
                paragraph(&[vec![Segment::new(text, Role::Thinking)]], theme),
                label,
            );
            frame.render_widget(
                Gauge::default()
                    .ratio(ratio)
                    .label(format!("{done} / {total} questions"))
                    .gauge_style(theme.style(Role::BarFill)),
                gauge,
            );
        }
        EvalState::Failed(reason) => {
            let rows = crate::tui::wrap::wrap(
                &crate::tui::wrap::Para {
                    body: vec![Segment::new(reason.clone(), Role::Error)],
                    ..Default::default()
                },
                width,
            );
            frame.render_widget(paragraph(&rows, theme), inner);
        }
        EvalState::Shown => draw_run(frame, app, view, inner),
    }
    if view.confirm_write {
        draw_confirm(frame, app, view, area);
    }
}

/// The page bar and the page of a finished run.
fn draw_run(frame: &mut Frame, app: &App, view: &EvalView, inner: Rect) {
    let Some(run) = &view.run else {
        return;
    };
    let theme = &app.theme;
    let width = usize::from(inner.width);
    let [bar, page] = Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(inner);
    let mut pages = Vec::new();
    for (n, page) in EvalPage::ALL.iter().enumerate() {
        let name = format!(" {} {} ", n + 1, page.name());
        let role = if *page == view.page {
            Role::TabActive
        } else {
            Role::TabInactive
        };
        pages.push(Segment::new(name, role));
    }
    let recommended = run
        .recommended
        .threshold
        .map_or_else(|| "none".to_string(), |t| format!("{t:.2}"));
    let marker = vec![
        Segment::new("threshold ", Role::Dim),
        Segment::new(format!("{:.2}", view.threshold), Role::Strong),
        Segment::new(
            format!(
                " · flow {:.2} · recommended {recommended}",
                run.flow_threshold
            ),
            Role::Dim,
        ),
    ];
    frame.render_widget(
        paragraph(&[fit(pages, width), fit(marker, width)], theme),
        bar,
    );
    match view.page {
        EvalPage::Overview => draw_overview(frame, theme, view, page),
        EvalPage::Confusion => draw_confusion(frame, theme, view, page),
        EvalPage::Confidences => draw_confidences(frame, theme, view, page),
        EvalPage::Misrouted => draw_misrouted(frame, theme, view, page),
    }
}

/// The headline figures at the marker, with the change since the run before.
fn figure_rows(view: &EvalView, width: usize) -> Vec<Row> {
    let Some(figures) = view.figures() else {
        return Vec::new();
    };
    let before = view
        .previous
        .as_ref()
        .map(|p| Figures::at(&p.outcomes, view.threshold));
    let named = figures.named();
    let mut rows = Vec::new();
    for (n, (name, value)) in named.iter().enumerate() {
        let mut segments = vec![
            Segment::new(
                format!(
                    "{:<22}",
                    name.replace("oos", "out-of-scope").replace('_', " ")
                ),
                Role::Text,
            ),
            Segment::new(format!("{:>8}", percent(*value)), Role::Strong),
        ];
        let earlier = before.as_ref().and_then(|b| b.named()[n].1);
        if let (Some(now), Some(then)) = (value, earlier) {
            let change = 100.0 * (now - then);
            if change.abs() >= 0.05 {
                let role = if change > 0.0 { Role::Pass } else { Role::Fail };
                segments.push(Segment::new(format!(" {change:+.1}"), role));
            }
        }
        rows.push(fit(segments, width));
    }
    let counts = figures.counts;
    rows.push(fit(
        vec![Segment::new(
            format!(
                "{} in scope · {} out of scope · {} with an entry",
                counts.in_scope, counts.out_of_scope, counts.with_entry
            ),
            Role::Dim,
        )],
        width,
    ));
    if let Some(comparison) = &view.comparison {
        rows.push(fit(
            vec![
                Segment::new("since the last run: ", Role::Dim),
                Segment::new(format!("{} fixed", comparison.fixed.len()), Role::Pass),
                Segment::new(" · ", Role::Dim),
                Segment::new(format!("{} broken", comparison.broken.len()), Role::Fail),
                Segment::new(format!(" · {} moved", comparison.moved.len()), Role::Dim),
            ],
            width,
        ));
    } else {
        rows.push(fit(
            vec![Segment::new(
                "r: run again, compare (after a QnA edit)",
                Role::Dim,
            )],
            width,
        ));
    }
    rows
}

fn draw_overview(frame: &mut Frame, theme: &Theme, view: &EvalView, area: Rect) {
    let side = area.width >= 70;
    let (figures, chart) = if side {
        let [left, right] =
            Layout::horizontal([Constraint::Length(38), Constraint::Fill(1)]).areas(area);
        (left, Some(right))
    } else {
        let wanted = u16::try_from(figure_rows(view, usize::from(area.width)).len()).unwrap_or(0);
        if area.height >= wanted + 8 {
            let [top, bottom] =
                Layout::vertical([Constraint::Length(wanted), Constraint::Fill(1)]).areas(area);
            (top, Some(bottom))
        } else {
            (area, None)
        }
    };
    let rows = figure_rows(view, usize::from(figures.width));
    frame.render_widget(paragraph(&rows, theme), figures);
    if let Some(chart) = chart {
        draw_sweep(frame, theme, view, chart);
    }
}

/// The threshold sweep: accuracy, out-of-scope recall and coverage against the threshold,
/// the marker and the recommended threshold as vertical lines.
fn draw_sweep(frame: &mut Frame, theme: &Theme, view: &EvalView, area: Rect) {
    let Some(run) = &view.run else {
        return;
    };
    let series = |figure: fn(&Figures) -> Option<f64>, every: usize| -> Vec<(f64, f64)> {
        run.sweep
            .iter()
            .enumerate()
            .filter(|(n, _)| n % every == 0)
            .filter_map(|(_, f)| figure(f).map(|v| (f.threshold, v)))
            .collect()
    };
    let accuracy = series(|f| f.routing_accuracy, 1);
    let oos = series(|f| f.oos_recall, 4);
    let coverage = series(|f| f.coverage, 4);
    let marker: Vec<(f64, f64)> = (0..=20)
        .map(|n| (view.threshold, f64::from(n) / 20.0))
        .collect();
    let recommended: Vec<(f64, f64)> = run
        .recommended
        .threshold
        .map(|t| vec![(t, 0.0), (t, 1.0)])
        .unwrap_or_default();
    let mut datasets = vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.style(Role::Pass))
            .data(&accuracy),
    ];
    if !oos.is_empty() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(theme.style(Role::Warning))
                .data(&oos),
        );
    }
    datasets.push(
        Dataset::default()
            .marker(Marker::Bar)
            .graph_type(GraphType::Scatter)
            .style(theme.style(Role::Url))
            .data(&coverage),
    );
    datasets.push(
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Scatter)
            .style(theme.style(Role::Threshold))
            .data(&marker),
    );
    if !recommended.is_empty() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Block)
                .graph_type(GraphType::Scatter)
                .style(theme.style(Role::Strong))
                .data(&recommended),
        );
    }
    let axis_style = theme.style(Role::Dim);
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .style(axis_style)
                .bounds([0.0, 1.0])
                .labels(["0", "0.5", "1"]),
        )
        .y_axis(
            Axis::default()
                .style(axis_style)
                .bounds([0.0, 1.0])
                .labels(["0", "50%", "100%"]),
        )
        .legend_position(None);
    // The legend below the chart, where it covers no curve.
    let width = usize::from(area.width);
    let mut series = vec![Segment::new("⠤ accuracy", Role::Pass)];
    if !oos.is_empty() {
        series.push(Segment::new("  • out-of-scope recall", Role::Warning));
    }
    series.push(Segment::new("  ▄ coverage", Role::Url));
    let mut legend = vec![fit(series, width)];
    let recommended = run
        .recommended
        .threshold
        .map_or_else(|| "none".into(), |t| format!("{t:.2} (ticks)"));
    legend.push(fit(
        vec![
            Segment::new(
                format!("│ threshold {:.2}", view.threshold),
                Role::Threshold,
            ),
            Segment::new("  ", Role::Text),
            Segment::new(format!("█ recommended {recommended}"), Role::Strong),
        ],
        width,
    ));
    let [plot, key] = Layout::vertical([Constraint::Fill(1), Constraint::Length(2)]).areas(area);
    frame.render_widget(chart, plot);
    frame.render_widget(paragraph(&legend, theme), key);
}

/// A shade for a share of a row: none, light, medium, dark, full.
fn shade(share: f64) -> &'static str {
    match share {
        s if s <= 0.0 => " ",
        s if s < 0.25 => "░",
        s if s < 0.5 => "▒",
        s if s < 0.75 => "▓",
        _ => "█",
    }
}

/// The confusion matrix: a row per labelled bot (and none), a column per routed one; each
/// cell its count and a shade for its share of the row; the diagonal (right) in bold.
fn draw_confusion(frame: &mut Frame, theme: &Theme, view: &EvalView, area: Rect) {
    let Some(confusion) = view.confusion() else {
        return;
    };
    let width = usize::from(area.width);
    let labels: Vec<String> = confusion.labels.iter().map(|l| sanitize_line(l)).collect();
    let label_width = labels
        .iter()
        .map(|l| crate::tui::wrap::width(l))
        .max()
        .unwrap_or(4)
        .clamp(4, 10);
    let columns = labels.len();
    let cell = width
        .saturating_sub(label_width + 1)
        .checked_div(columns)
        .unwrap_or(0)
        .min(8);
    let mut rows = vec![fit(
        vec![Segment::new(
            "rows: labelled · columns: routed · shade: share of the row",
            Role::Dim,
        )],
        width,
    )];
    if cell < 4 {
        // Too narrow for the grid: each labelled bot's right share and where the rest went.
        for (r, label) in labels.iter().enumerate() {
            let counts = &confusion.counts[r];
            let total: usize = counts.iter().sum();
            let mut text = format!("{label}: {}/{total} right", counts[r]);
            for (c, count) in counts.iter().enumerate() {
                if c != r && *count > 0 {
                    text.push_str(&format!(" · {}→{}", count, labels[c]));
                }
            }
            rows.push(fit(vec![Segment::new(text, Role::Text)], width));
        }
        frame.render_widget(paragraph(&rows, theme), area);
        return;
    }
    let mut header = vec![Segment::new(" ".repeat(label_width + 1), Role::Text)];
    for label in &labels {
        header.push(Segment::new(
            format!("{:>cell$}", truncate(label, cell - 1)),
            Role::Dim,
        ));
    }
    rows.push(fit(header, width));
    for (r, label) in labels.iter().enumerate() {
        let counts = &confusion.counts[r];
        let total: usize = counts.iter().sum();
        let mut row = vec![Segment::new(
            format!("{:<label_width$} ", truncate(label, label_width)),
            Role::Text,
        )];
        for (c, count) in counts.iter().enumerate() {
            let share = if total > 0 {
                *count as f64 / total as f64
            } else {
                0.0
            };
            let role = match (c == r, *count) {
                (_, 0) => Role::Dim,
                (true, _) => Role::Pass,
                (false, _) => Role::Fail,
            };
            let number = if *count == 0 {
                "·".to_string()
            } else {
                count.to_string()
            };
            row.push(Segment::new(
                format!("{:>w$}{}", number, shade(share), w = cell - 1),
                role,
            ));
        }
        rows.push(fit(row, width));
    }
    let used = u16::try_from(rows.len()).unwrap_or(u16::MAX);
    frame.render_widget(paragraph(&rows, theme), area);
    // Below the counts, when there is room: the same matrix as a heat map on a canvas, each
    // cell filled with dots in proportion to its share of the row (shape, not colour).
    let map_rows = u16::try_from(labels.len() * 2).unwrap_or(u16::MAX);
    let left = u16::try_from(label_width + 1).unwrap_or(u16::MAX);
    let map_width = u16::try_from(cell * columns).unwrap_or(u16::MAX);
    if area.height >= used + 1 + map_rows && area.width >= left + map_width {
        let caption = Rect::new(area.x, area.y + used, area.width, 1);
        frame.render_widget(
            paragraph(
                &[fit(
                    vec![Segment::new(
                        "heat map: the denser, the larger the share of the row",
                        Role::Dim,
                    )],
                    width,
                )],
                theme,
            ),
            caption,
        );
        let map = Rect::new(area.x + left, caption.y + 1, map_width, map_rows);
        for (r, label) in labels.iter().enumerate() {
            let at = Rect::new(area.x, map.y + 2 * r as u16, left, 1);
            let row = vec![Segment::new(truncate(label, label_width), Role::Text)];
            frame.render_widget(paragraph(&[row], theme), at);
        }
        frame.render_widget(heat_map(&confusion, theme, map), map);
    }
}

/// The confusion matrix as a canvas: a cell per (labelled, routed) pair, its braille dots
/// filled in proportion to the cell's share of its row, in an ordered-dither pattern.
fn heat_map<'a>(
    confusion: &'a crate::eval::metrics::Confusion,
    theme: &Theme,
    area: Rect,
) -> impl ratatui::widgets::Widget + 'a {
    use ratatui::widgets::canvas::{Canvas, Points};
    let n = confusion.labels.len();
    // Braille: 2 × 4 dots per terminal cell.
    let dots_x = usize::from(area.width) * 2 / n.max(1);
    let dots_y = usize::from(area.height) * 4 / n.max(1);
    let color = theme
        .style(Role::Text)
        .fg
        .unwrap_or(ratatui::style::Color::Reset);
    let mut points: Vec<(f64, f64)> = Vec::new();
    for (r, counts) in confusion.counts.iter().enumerate() {
        let total: usize = counts.iter().sum();
        for (c, count) in counts.iter().enumerate() {
            if total == 0 || *count == 0 {
                continue;
            }
            let share = *count as f64 / total as f64;
            // Leave a dot of gap on the right and at the bottom of each cell.
            let (w, h) = (
                dots_x.saturating_sub(1).max(1),
                dots_y.saturating_sub(1).max(1),
            );
            for dy in 0..h {
                for dx in 0..w {
                    if dither(dx, dy) < share {
                        let x = (c * dots_x + dx) as f64 + 0.5;
                        // The canvas's y grows upwards; the first row is at the top.
                        let y = ((n - r) * dots_y - dy) as f64 - 0.5;
                        points.push((x, y));
                    }
                }
            }
        }
    }
    let width = (n * dots_x) as f64;
    let height = (n * dots_y) as f64;
    Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([0.0, width])
        .y_bounds([0.0, height])
        .paint(move |ctx| {
            ctx.draw(&Points {
                coords: &points,
                color,
            });
        })
}

/// The threshold of a 4 × 4 ordered-dither (Bayer) matrix at a dot, in [0, 1): a cell of
/// share `s` lights the dots whose threshold is under `s`, spread evenly.
fn dither(x: usize, y: usize) -> f64 {
    const BAYER: [[u8; 4]; 4] = [[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]];
    f64::from(BAYER[y % 4][x % 4]) / 16.0
}

/// Histograms of the best confidence: right routings above, wrong routings and out-of-scope
/// questions below; the threshold's bin is marked `▲` in both.
fn draw_confidences(frame: &mut Frame, theme: &Theme, view: &EvalView, area: Rect) {
    let Some(distributions) = view.distributions() else {
        return;
    };
    let marked = ((view.threshold * BINS as f64) as usize).min(BINS - 1);
    let wrong: Vec<usize> = distributions
        .wrong_bot
        .histogram
        .iter()
        .zip(distributions.out_of_scope.histogram.iter())
        .map(|(a, b)| a + b)
        .collect();
    let bar_width = u16::try_from(
        usize::from(area.width.saturating_sub(2))
            .checked_div(BINS)
            .unwrap_or(1)
            .saturating_sub(1)
            .max(1),
    )
    .unwrap_or(1);
    let chart = |counts: &[usize], title: String, role: Role| {
        let bars: Vec<Bar> = counts
            .iter()
            .enumerate()
            .map(|(bin, count)| {
                let label = if bin == marked {
                    format!("▲{bin}")
                } else {
                    format!(".{bin}")
                };
                Bar::default()
                    .value(*count as u64)
                    .label(Line::from(label))
                    .style(theme.style(role))
                    .value_style(theme.style(Role::Strong))
            })
            .collect();
        BarChart::default()
            .block(pane(title, theme, false))
            .bar_width(bar_width)
            .bar_gap(1)
            .data(BarGroup::default().bars(&bars))
    };
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let threshold = format!("▲ bin of threshold {:.2}", view.threshold);
    frame.render_widget(
        chart(
            &distributions.right_bot.histogram,
            format!(
                " right bot ({}) · confidence .0–.9 · {threshold} ",
                distributions.right_bot.count
            ),
            Role::Pass,
        ),
        top,
    );
    frame.render_widget(
        chart(
            &wrong,
            format!(
                " wrong bot or no bot should answer ({}) ",
                distributions.wrong_bot.count + distributions.out_of_scope.count
            ),
            Role::Fail,
        ),
        bottom,
    );
}

/// The questions routed wrong at the marker; a question broken since the last run is marked.
fn draw_misrouted(frame: &mut Frame, theme: &Theme, view: &EvalView, area: Rect) {
    let width = usize::from(area.width);
    let height = usize::from(area.height);
    let misrouted = view.misrouted();
    if misrouted.is_empty() {
        let rows = vec![vec![Segment::new(
            "Every question goes where its label says at this threshold.",
            Role::Pass,
        )]];
        frame.render_widget(paragraph(&rows, theme), area);
        return;
    }
    let broken: Vec<&str> = view
        .comparison
        .as_ref()
        .map(|c| c.broken.iter().map(|b| b.text.as_str()).collect())
        .unwrap_or_default();
    let per_item = 2;
    let visible = (height / per_item).max(1);
    let top = view.selected.saturating_sub(visible - 1);
    let mut rows = Vec::new();
    for (n, outcome) in misrouted.iter().enumerate().skip(top).take(visible) {
        let selected = n == view.selected;
        let question = &outcome.question;
        let new = if broken.contains(&question.text.as_str()) {
            " (new)"
        } else {
            ""
        };
        let role = if selected {
            Role::Highlight
        } else {
            Role::Text
        };
        rows.push(fit(
            vec![
                Segment::new(if selected { "▶ ✘ " } else { "  ✘ " }, role),
                Segment::new(format!("“{}”{new}", sanitize_line(&question.text)), role),
            ],
            width,
        ));
        let labelled = question
            .bot
            .as_deref()
            .map_or_else(|| "no bot".to_string(), sanitize_line);
        let routed = match outcome.routed(view.threshold) {
            Some(guess) if question.bot.as_ref() == Some(&guess.bot) => format!(
                "{} {:.2}, but entry {}",
                sanitize_line(&guess.bot),
                guess.confidence,
                sanitize_line(&guess.entry)
            ),
            Some(guess) => format!("{} {:.2}", sanitize_line(&guess.bot), guess.confidence),
            None => match outcome.top.first() {
                Some(best) => format!(
                    "none (best {} {:.2})",
                    sanitize_line(&best.bot),
                    best.confidence
                ),
                None => "none (nothing matched)".to_string(),
            },
        };
        rows.push(fit(
            vec![Segment::new(
                format!(
                    "    line {} · labelled {labelled} → routed {routed}",
                    question.line
                ),
                Role::Dim,
            )],
            width,
        ));
    }
    frame.render_widget(paragraph(&rows, theme), area);
}

fn draw_confirm(frame: &mut Frame, app: &App, view: &EvalView, area: Rect) {
    let width = area.width.saturating_sub(4).min(60);
    let box_area = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + area.height / 2 - 2,
        width,
        4,
    );
    let text = format!(
        "Write minConfidence {:.2} into the master's flow (main.flow.json)? y / n",
        view.threshold
    );
    let rows = crate::tui::wrap::wrap(
        &crate::tui::wrap::Para {
            body: vec![Segment::new(text, Role::Text)],
            ..Default::default()
        },
        usize::from(width.saturating_sub(2)),
    );
    frame.render_widget(Clear, box_area);
    frame.render_widget(
        pane(" Write the threshold ".into(), &app.theme, true),
        box_area,
    );
    frame.render_widget(
        paragraph(&rows, &app.theme),
        box_area.inner(Margin::new(1, 1)),
    );
}
