/**
 * The rule author's toolkit behind {@code ./driftwatch rules validate|test}: reading per-rule
 * fixtures and benign corpora, running them against a rule set, and validating a directory of
 * user rules.
 *
 * <p>A user directory keeps its tests next to its DRL files, in the layout of the built-in pack:
 * <pre>
 * DIR/
 *   acme/web/defacement.drl          your rules (any folders; *.drl, searched recursively)
 *   fixtures/ACME-WEB-001.json       one per detection rule: cases that fire it, near misses that must not ({@link io.driftwatch.rules.testing.Fixture})
 *   benign/web-servers.jsonl         workloads that must raise nothing, one event a line ({@link io.driftwatch.rules.testing.BenignCorpus})
 * </pre>
 */
package io.driftwatch.rules.testing;
