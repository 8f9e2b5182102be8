package io.driftwatch.rules;

/**
 * One DRL source: its path relative to the rule-set root ({@code /}-separated, e.g.
 * {@code io/driftwatch/rules/detect/binary_dirs.drl} or, for a user file, {@code acme/web.drl})
 * and its text.
 */
record DrlFile(String path, String content) {}
