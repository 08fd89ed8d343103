//! `$esc`, `$math` and `$successTemplateUtils`, and the Java methods of strings, lists and maps.
