package io.driftwatch.app.rules;

/**
 * The rule set in use and how reloads went, as JMX MBean {@code io.driftwatch:type=Rules}
 * (see {@link RulesManager#JMX_NAME}).
 */
public interface RulesMXBean {
    /** Version of the running rule set (what alerts carry as {@code ruleVersion}). */
    String getVersion();

    /** Where the running set came from: {@code built-in}, {@code directory <dir>} or {@code topic <topic>}. */
    String getSource();

    /** SHA-256 of the user files (the bundle) the running set was compiled from. */
    String getBundleSha256();

    /** Number of rules (classification, detection, response) in the running set. */
    int getRuleCount();

    /** Rule sets swapped in since start. */
    long getReloads();

    /** Rule sets refused since start (they did not compile, or the bundle could not be read); the running set stayed. */
    long getFailedReloads();

    /** Why the last refused set was refused ({@code source: file:line: message; ...}), or empty when none was. */
    String getLastError();

    /** When the last set was refused, epoch milliseconds; 0 when none was. */
    long getLastErrorAt();

    /** When the running set was swapped in, epoch milliseconds; 0 while the set loaded at start runs. */
    long getLastReloadAt();
}
