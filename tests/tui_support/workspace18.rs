//! A generated workspace of a master and 18 sub-bots, each with a few QnA entries (text
//! written for these tests), for the trace pane with many bots.

use std::fs;
use std::path::Path;

/// The question asked in the tests: two bots pass (one answers, one is only over the
/// threshold), several more match a word, the rest match nothing.
pub const QUESTION: &str = "play some music for me";

/// (id, name, entries as (entry id, questions, answer)).
type Bot = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static [&'static str], &'static str)],
);

const BOTS: &[Bot] = &[
    (
        "alarm",
        "Alarms",
        &[
            (
                "set_alarm",
                &["set an alarm for seven", "wake me up at six with an alarm"],
                "Alarm set. It will ring at the time you asked.",
            ),
            (
                "remove_alarm",
                &["cancel my alarm", "remove the morning alarm"],
                "The alarm is removed.",
            ),
        ],
    ),
    (
        "audio",
        "Audio volume",
        &[
            (
                "volume_up",
                &["turn the volume up", "louder please"],
                "Volume raised by one step.",
            ),
            ("mute", &["mute the speaker", "be quiet"], "Speaker muted."),
        ],
    ),
    (
        "calendar",
        "Calendar",
        &[
            (
                "add_event",
                &["add a meeting to my calendar", "book a dentist appointment"],
                "The event is in your calendar.",
            ),
            (
                "query_events",
                &["what is on my calendar today"],
                "You have two meetings today.",
            ),
        ],
    ),
    (
        "cooking",
        "Recipes",
        &[(
            "recipe",
            &["how do I bake bread", "give me a soup recipe"],
            "Start with flour, water, salt and yeast.",
        )],
    ),
    (
        "datetime",
        "Date and time",
        &[(
            "query_time",
            &["what time is it", "tell me the time in Tokyo"],
            "It is ten past three.",
        )],
    ),
    (
        "email",
        "Email",
        &[
            (
                "send_email",
                &["send an email to Ana", "write a mail to my boss"],
                "The email is sent.",
            ),
            (
                "query_email",
                &["do I have new email"],
                "Three new messages.",
            ),
        ],
    ),
    (
        "general",
        "Small talk",
        &[(
            "joke",
            &["tell me a joke", "make me laugh"],
            "Why did the bot cross the road? To reach the other API.",
        )],
    ),
    (
        "iot",
        "Smart home",
        &[
            (
                "lights_off",
                &["turn off the lights", "lights off in the kitchen"],
                "Kitchen lights are off.",
            ),
            (
                "cleaning",
                &["start the vacuum cleaner"],
                "The vacuum cleaner is running.",
            ),
        ],
    ),
    (
        "lists",
        "Lists",
        &[(
            "add_item",
            &["add milk to the shopping list"],
            "Milk is on the shopping list.",
        )],
    ),
    (
        "music",
        "Music player",
        &[
            (
                "play_music",
                &["play some music", "play my rock playlist"],
                "Playing your rock playlist.",
            ),
            (
                "music_likeness",
                &["I like this song", "remember that I love jazz"],
                "Noted: you like it.",
            ),
        ],
    ),
    (
        "news",
        "News",
        &[(
            "news_query",
            &["what are the headlines today", "latest news about science"],
            "Here are today's headlines.",
        )],
    ),
    (
        "play",
        "Games and radio",
        &[
            (
                "play_game",
                &["play a game with me", "let us play a quiz game"],
                "Let's play a quiz: ready?",
            ),
            (
                "play_radio",
                &["play the radio", "play some music on the radio"],
                "Tuning in to the jazz station.",
            ),
        ],
    ),
    (
        "qa",
        "Questions",
        &[(
            "factoid",
            &["how tall is the tower", "who wrote this book"],
            "It is three hundred metres tall.",
        )],
    ),
    (
        "recommendation",
        "Suggestions",
        &[(
            "movies",
            &["recommend a movie for tonight"],
            "Try a comedy tonight.",
        )],
    ),
    (
        "social",
        "Social media",
        &[(
            "post",
            &["post this on my feed", "complain to the company online"],
            "Posted.",
        )],
    ),
    (
        "takeaway",
        "Takeaway",
        &[(
            "order",
            &["order a pizza", "get me takeaway food"],
            "Your pizza is on its way.",
        )],
    ),
    (
        "transport",
        "Transport",
        &[
            (
                "taxi",
                &["book a taxi to the station", "call me a cab"],
                "A taxi will be there in five minutes.",
            ),
            (
                "train",
                &["when is the next train"],
                "The next train leaves at four.",
            ),
        ],
    ),
    (
        "weather",
        "Weather",
        &[(
            "query_weather",
            &[
                "what is the weather like",
                "will the weather be bad tomorrow",
            ],
            "Rain is expected tomorrow: take an umbrella.",
        )],
    ),
];

/// How many sub-bots the workspace has.
pub const SUB_BOTS: usize = 18;

/// Writes the workspace under `root` (a master without a flow: it asks every sub-bot).
pub fn write(root: &Path) {
    assert_eq!(BOTS.len(), SUB_BOTS);
    let put = |path: &str, value: serde_json::Value| {
        let path = root.join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, serde_json::to_string_pretty(&value).expect("json")).expect("write");
    };
    put(
        "bots/master/bot.config.json",
        serde_json::json!({"id": "master", "name": "Master"}),
    );
    for (id, name, entries) in BOTS {
        put(
            &format!("bots/{id}/bot.config.json"),
            serde_json::json!({"id": id, "name": name}),
        );
        for (entry, questions, answer) in *entries {
            put(
                &format!("bots/{id}/qna/{entry}.json"),
                serde_json::json!({"id": entry, "data": {
                    "questions": questions, "answers": [answer],
                    "category": "global", "enabled": true, "action": "text",
                    "redirectFlow": "", "redirectNode": ""
                }}),
            );
        }
    }
}
