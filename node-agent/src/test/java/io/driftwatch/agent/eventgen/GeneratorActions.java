package io.driftwatch.agent.eventgen;

import java.security.SecureRandom;
import java.util.List;

/**
 * falcosecurity/event-generator's file actions ({@code events/syscall/*.go}), translated into the same file operations
 * for a busybox container: each is one {@code sh -c} script run through {@code runc exec}, as root, so that creation,
 * change and the generator's deferred removal follow each other within milliseconds.
 *
 * <p>How the Go calls map onto busybox:
 * <ul>
 *   <li>{@code os.CreateTemp}/{@code os.MkdirTemp}: {@code mktemp} / {@code mktemp -d} with the generator's names
 *       ({@code falco-event-generator-syscall-<Action>-} plus a random suffix), so every run has new paths.</li>
 *   <li>{@code os.WriteFile(f, data, 0755)} (created executable in one open): {@code cp} from a prepared file with
 *       that mode and content ({@code /opt/eventgen/empty-0755}, {@code /opt/eventgen/hello.sh}); busybox has no
 *       {@code install}, and a shell redirection cannot create a file with execute bits. Mode 0600 creations run under
 *       {@code umask 077}.</li>
 *   <li>What the generator runs as a program of its own ({@code exec.Command}: ln, find, chmod, shred, crontab, cat,
 *       sh, the dropped file) is exec'd here too, by absolute path ({@code /bin/find}), because busybox ash would
 *       otherwise run an applet by forking itself without an exec, which leaves no EXEC for the sensor. What the
 *       generator does itself (open, write, rename, remove) the script does with shell redirections and applets
 *       (which ash forks without an exec, naming the child after the applet).</li>
 *   <li>An open without a read or write (the generator's {@code os.Open} of /etc/shadow, of .bashrc) is done the same
 *       way ({@code exec 3<file; exec 3<&-}); the /etc/shadow actions also read it with cat, so that they do not
 *       depend on the sensor seeing bare opens (src/sensors.md says how it does).</li>
 * </ul>
 *
 * <p>The paths an alert may name: fixed ones are listed with the action; random ones the script prints, one
 * {@code @path=} line each, once mktemp made them. Only expressions the action's own commands use are printed, so the
 * shell's command line (which rules may read: {@code sh -c '...crontab -l'}) holds nothing the action would not. Not translated (out of a file sensor's reach): 14 fileless_execution_via_memfd_create (the program is
 * a memfd, there is no file) and 19 modify_container_entrypoint (it opens /proc/self/fd/1 for writing, a pipe or
 * terminal, on no filesystem the agent marks). The image these need is {@link EventGeneratorIT#image}.
 */
final class GeneratorActions {
    private static final String G = "falco-event-generator-syscall-";
    private static final String RANDOM_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private GeneratorActions() {
    }

    /**
     * One action.
     *
     * @param number     the number of the action in the suite's list (the generator's alphabetical order)
     * @param name       the generator's action name, with a variant in parentheses where the suite adds one
     * @param techniques an alert must carry one of these ATT&CK techniques (a technique also accepts its
     *                   sub-techniques: T1564 is met by T1564.001)
     * @param paths      the fixed paths an alert may name (those made at random are printed by the script)
     * @param script     the shell script, given a fresh random suffix
     * @param background run in the background at the start of a round (slow: it waits before it acts)
     * @param delayMs    how long after its start the action does what is alerted (it sleeps first)
     */
    record Action(String number, String name, List<String> techniques, List<String> paths, Script script,
            boolean background, long delayMs) {
        String scriptFor(String suffix) {
            return "umask 022\n" + script.text(suffix);
        }

        boolean techniqueMatches(List<String> mitre) {
            for (String expected : techniques) {
                for (String actual : mitre) {
                    if (actual.equals(expected) || !expected.contains(".") && actual.startsWith(expected + ".")) {
                        return true;
                    }
                }
            }
            return false;
        }

        String label() {
            return number + " " + name;
        }
    }

    @FunctionalInterface
    interface Script {
        String text(String suffix);
    }

    private static Action action(String number, String name, String techniques, Script script) {
        return action(number, name, techniques, List.of(), script);
    }

    private static Action action(String number, String name, String techniques, List<String> paths, Script script) {
        return new Action(number, name, List.of(techniques.split("\\|")), paths, script, false, 0);
    }

    /** randomString(6) of the generator's utils.go. */
    static String suffix() {
        StringBuilder sb = new StringBuilder(6);
        for (int i = 0; i < 6; i++) {
            sb.append(RANDOM_CHARS.charAt(RANDOM.nextInt(RANDOM_CHARS.length())));
        }
        return sb.toString();
    }

    /** A directory from mktemp -d, its path printed; the script stops if mktemp failed. */
    private static String tempDir(String var, String template) {
        return var + "=$(mktemp -d " + template + "XXXXXX) || exit 101\n";
    }

    private static String tempFile(String var, String template) {
        return var + "=$(mktemp " + template + "XXXXXX) || exit 101\n";
    }

    private static String path(String expression) {
        return "echo \"@path=" + expression + "\"\n";
    }

    /** The actions in the order a round performs them; actions that read the same file are kept apart. */
    static final List<Action> ALL = List.of(
            // 22. The generator re-runs itself through a symlink named httpd (SpawnAsWithSymlink) with --sleep 6s, then
            // does read_sensitive_file_untrusted: open /etc/shadow. Here /usr/sbin/httpd is busybox's httpd symlink
            // (as in busybox images), exec'd with argv[0] "busybox" so that busybox runs sh: the kernel names the
            // process httpd (comm), its exe is /bin/busybox, as the generator's is its own binary. The process itself
            // sleeps, opens and reads a line (a builtin read: no other process touches the file).
            new Action("22", "read_sensitive_file_trusted_after_startup", List.of("T1003.008"), List.of("/etc/shadow"), s ->
                    "exec -a busybox /usr/sbin/httpd sh -c 'sleep 6; exec 3</etc/shadow; read -r line <&3; exec 3<&-'\n",
                    true, 6_000),
            // 11. The generator opens /etc/../etc/../etc/shadow and closes it: the shell does the same (exec 3<), and cat
            // reads it through the same path too. The kernel reports the resolved name, /etc/shadow, never the "../".
            action("11", "directory_traversal_monitored_file_read", "T1003.008", List.of("/etc/shadow"), s ->
                    "exec 3</etc/../etc/../etc/shadow; exec 3<&-\n"
                    + "cat /etc/../etc/../etc/shadow > /dev/null\n"),
            // 1. createSshDirectoryUnderHome: mktemp -d /home/...SshDirectory-, mkdir .ssh (0755), authorized_keys 0600.
            action("1", "adding_ssh_keys_to_authorized_keys", "T1098.004", s ->
                    tempDir("d", "/home/" + G + "SshDirectory-")
                    + path("$d/.ssh/authorized_keys")
                    + "mkdir $d/.ssh\n"
                    + "umask 077; echo 'ssh-rsa <ssh_public_key>' > $d/.ssh/authorized_keys\n"
                    + "rm -rf $d\n"),
            // 15. exec find /tmp -maxdepth 1 -iname .aws/credentials. Only the exec of find is a file event (the scan
            // of /tmp is a directory read); the exec'd file is busybox.
            action("15", "find_aws_credentials", "T1552.001", List.of("/bin/find", "/bin/busybox", "/tmp"), s ->
                    "/bin/find /tmp -maxdepth 1 -iname .aws/credentials\n"),
            // 2. OpenFile(tmpdir/syslog, O_CREATE|O_TRUNC|O_WRONLY, 0644), close, RemoveAll(tmpdir).
            action("2", "clear_log_activities", "T1070.002", s ->
                    tempDir("d", "/tmp/" + G + "ClearLogActivities-")
                    + path("$d/syslog")
                    + ": > $d/syslog\n"
                    + "rm -rf $d\n"),
            // 3. CreateTemp (0600), Chmod 0755, Remove.
            action("3", "container_drift_detected_chmod", "T1105|T1222.002|T1059", s ->
                    tempFile("f", "/tmp/" + G + "ContainerDriftDetectedChmod-")
                    + path("$f")
                    + "chmod 0755 $f\n"
                    + "rm -f $f\n"),
            // 23. os.Open("/etc/shadow") and close (the shell's exec 3<), then cat reads it as well.
            action("23", "read_sensitive_file_untrusted", "T1003.008", List.of("/etc/shadow"), s ->
                    "exec 3</etc/shadow; exec 3<&-\n"
                    + "cat /etc/shadow > /dev/null\n"),
            // 4. WriteFile(/tmp/...OpenCreate-<6>, nil, 0755): created executable and empty in one open; Remove.
            action("4", "container_drift_detected_open_create", "T1105|T1059", s ->
                    "f=/tmp/" + G + "ContainerDriftDetectedOpenCreate-" + s + "\n"
                    + path("$f")
                    + "cp /opt/eventgen/empty-0755 $f\n"
                    + "rm -f $f\n"),
            // 5. CreateTemp("/dev", ...), Remove. /dev is runc's tmpfs, not the container's root filesystem.
            action("5", "create_files_below_dev", "T1036|T1543|T1564", s ->
                    tempFile("f", "/dev/" + G + "CreateFilesBelowDev-")
                    + path("$f")
                    + "rm -f $f\n"),
            // 21. exec cat /proc/self/environ: /proc is not marked, only the exec of cat (busybox) is a file event.
            action("21", "read_environment_variable_from_proc_files", "T1552|T1082|T1057|T1552.007",
                    List.of("/proc/self/environ", "/bin/cat", "/bin/busybox"), s ->
                    "/bin/cat /proc/self/environ > /dev/null\n"),
            // 6. MkdirTemp, exec ln -v /etc/shadow tmpdir/shadow_link, ReadFile(shadow_link) (here: cat), RemoveAll.
            action("6", "create_hardlink_over_sensitive_files", "T1003.008|T1555", s ->
                    tempDir("d", "/tmp/" + G + "CreateHardlinkOverSensitiveFiles-")
                    + path("$d/shadow_link")
                    + "/bin/ln -v /etc/shadow $d/shadow_link\n"
                    + "cat $d/shadow_link > /dev/null\n"
                    + "rm -rf $d\n"),
            // 7. MkdirTemp("", ".falco-event-generator-syscall-CreateHiddenFilesOrDirectories-"), RemoveAll.
            action("7", "create_hidden_files_or_directories", "T1564.001", s ->
                    tempDir("d", "/tmp/." + G + "CreateHiddenFilesOrDirectories-")
                    + path("$d")
                    + "rm -rf $d\n"),
            // 8. MkdirTemp, exec ln -s /etc tmpdir/etc_link, ReadDir(etc_link) (here: ls), RemoveAll.
            action("8", "create_symlink_over_sensitive_files", "T1003.008|T1555|T1222", s ->
                    tempDir("d", "/tmp/" + G + "CreateSymlinkOverSensitiveFiles-")
                    + path("$d/etc_link")
                    + "/bin/ln -s /etc $d/etc_link\n"
                    + "ls $d/etc_link/ > /dev/null\n"
                    + "rm -rf $d\n"),
            // 28. exec find /tmp -maxdepth 1 -iname id_rsa (as 15).
            action("28", "search_private_keys_or_passwords", "T1552.004", List.of("/bin/find", "/bin/busybox", "/tmp"), s ->
                    "/bin/find /tmp -maxdepth 1 -iname id_rsa\n"),
            // 9. MkdirTemp, WriteFile(tmpdir/ash_history, nil, 0600), Remove, RemoveAll. The generator's name has no
            // leading dot; the two variants after it are the names shells really use.
            action("9", "delete_or_rename_shell_history", "T1070.003", s -> history("ash_history")),
            action("9b", "delete_or_rename_shell_history (.ash_history)", "T1070.003", s -> history(".ash_history")),
            action("9c", "delete_or_rename_shell_history (.bash_history)", "T1070.003", s -> history(".bash_history")),
            // 10. The generator needs CAP_SYS_ADMIN (a privileged container) and skips otherwise; that check is left
            // out here: the container is not privileged, the write is the same. exec sh -c "echo 'hello world' >
            // release_agent" in the working directory (here a fresh temporary one, removed afterwards).
            action("10", "detect_release_agent_file_container_escapes", "T1611", s ->
                    tempDir("d", "/tmp/" + G + "DetectReleaseAgentFileContainerEscapes-")
                    + path("$d/release_agent")
                    + "cd $d && /bin/sh -c \"echo 'hello world' > release_agent\"\n"
                    + "cd /; rm -rf $d\n"),
            // 12. WriteFile(/bin/...-<6>, <ls>, 0755), exec it, Remove. busybox stands for ls (its copy, run under
            // another name, says "applet not found": the exec happened, which is what counts, as in the generator).
            action("12", "drop_and_execute_new_binary_in_container", "T1105", s ->
                    "f=/bin/" + G + "DropAndExecuteNewBinaryInContainer-" + s + "\n"
                    + path("$f")
                    + "cp /bin/busybox $f\n"
                    + "$f\n"
                    + "rm -f $f\n"),
            // 27. exec crontab -l (the container has no crontab: exit 1, which the generator accepts).
            action("27", "schedule_cron_jobs", "T1053.003",
                    List.of("/bin/crontab", "/bin/busybox", "/var/spool/cron/crontabs", "/var/spool/cron/crontabs/root"), s ->
                    "/bin/crontab -l\n"),
            // 13. WriteFile(/dev/shm/...-<6>.sh, script, 0755), exec sh -c <file>, Remove. runc mounts /dev/shm noexec,
            // so sh answers 126, which the generator accepts.
            action("13", "execution_from_dev_shm", "T1059.004|T1105|T1564", s ->
                    "f=/dev/shm/" + G + "ExecutionFromDevShm-" + s + ".sh\n"
                    + path("$f")
                    + "cp /opt/eventgen/hello.sh $f\n"
                    + "/bin/sh -c $f\n"
                    + "rm -f $f\n"),
            // 16. No kubectl on the PATH: MkdirTemp, WriteFile(tmpdir/kubectl, script, 0755), exec it, RemoveAll.
            action("16", "kubernetes_client_tool_launched_in_container", "T1105|T1059|T1609", s ->
                    tempDir("d", "/tmp/" + G + "KubernetesClientToolLaunchedInContainer-")
                    + path("$d/kubectl")
                    + "cp /opt/eventgen/hello.sh $d/kubectl\n"
                    + "$d/kubectl\n"
                    + "rm -rf $d\n"),
            // 17. MkdirTemp("/bin", ...), RemoveAll.
            action("17", "mkdir_binary_dirs", "T1036.005|T1543|T1574|T1105", s ->
                    tempDir("d", "/bin/" + G + "MkdirBinaryDirs-")
                    + path("$d")
                    + "rm -rf $d\n"),
            // 18. Rename /bin/true to /bin/true.falco-...-<6> and back (busybox's /bin/true is a symlink: fine).
            action("18", "modify_binary_dirs", "T1036.003|T1574|T1036.005", List.of("/bin/true"), s ->
                    "n=/bin/true." + G + "ModifyBinaryDirs-" + s + "\n"
                    + path("$n")
                    + "mv /bin/true $n && mv $n /bin/true\n"),
            // 20. MkdirTemp, WriteFile(tmpdir/.bashrc, "# written by falco-event-generator\n", 0644), RemoveAll.
            action("20", "modify_shell_configuration_file", "T1546.004", s ->
                    tempDir("d", "/tmp/" + G + "ModifyShellConfigurationFile-")
                    + path("$d/.bashrc")
                    + "echo '# written by falco-event-generator' > $d/.bashrc\n"
                    + "rm -rf $d\n"),
            // 24. MkdirTemp, Create(tmpdir/.bashrc), close, Open it read-only, close, RemoveAll. The file is empty:
            // there is nothing to read, only the open.
            action("24", "read_shell_configuration_file", "T1546.004|T1083", s ->
                    tempDir("d", "/tmp/" + G + "ReadShellConfigurationFile-")
                    + path("$d/.bashrc")
                    + ": > $d/.bashrc\n"
                    + "exec 3<$d/.bashrc; exec 3<&-\n"
                    + "rm -rf $d\n"),
            // 25. createSshDirectoryUnderHome, Create(.ssh/known_hosts), cleanup.
            action("25", "read_ssh_information", "T1552.004|T1021.004", s ->
                    tempDir("d", "/home/" + G + "SshDirectory-")
                    + path("$d/.ssh/known_hosts")
                    + "mkdir $d/.ssh\n"
                    + ": > $d/.ssh/known_hosts\n"
                    + "rm -rf $d\n"),
            // 26. CreateTemp, WriteFile("bulk data content", 0600), exec shred -u.
            action("26", "remove_bulk_data_from_disk", "T1485", s ->
                    tempFile("f", "/tmp/" + G + "RemoveBulkDataFromDisk-")
                    + path("$f")
                    + "umask 077; printf 'bulk data content' > $f\n"
                    + "/bin/shred -u $f\n"),
            // 29. CreateTemp, exec chmod u+s, Remove.
            action("29", "set_setuid_or_setgid_bit", "T1548.001", s ->
                    tempFile("f", "/tmp/" + G + "SetSetuidOrSetgidBit-")
                    + path("$f")
                    + "/bin/chmod u+s $f\n"
                    + "rm -f $f\n"),
            // 30-34. CreateTemp(dir, ...), Remove.
            action("30", "write_below_binary_dir", "T1036.005|T1105|T1543|T1574", s -> below("/bin/", "WriteBelowBinaryDir-")),
            action("31", "write_below_etc", "T1037|T1543|T1546|T1098|T1556", s -> below("/etc/", "WriteBelowEtc-")),
            action("32", "write_below_monitored_dir", "T1574.006|T1543|T1036.005", s -> below("/lib/", "WriteBelowMonitoredDir-")),
            action("33", "write_below_root", "T1546|T1037|T1543|T1098", s -> below("/root/", "WriteBelowRoot-")),
            action("34", "write_below_rpm_database", "T1072|T1543|T1195|T1070", s -> below("/var/lib/rpm/", "WriteBelowRpmDatabase-")),
            // 35. Not in the generator: drop_and_execute on a volume (a host directory bind-mounted at /data).
            action("35", "drop_and_execute_on_a_volume (/data)", "T1105", s ->
                    "f=/data/" + G + "DropAndExecuteOnVolume-" + s + "\n"
                    + path("$f")
                    + "cp /bin/busybox $f\n"
                    + "chmod 755 $f\n"
                    + "$f true\n"
                    + "rm -f $f\n"));

    private static String history(String name) {
        return tempDir("d", "/tmp/" + G + "DeleteOrRenameShellHistory-")
                + path("$d/" + name)
                + "umask 077; : > $d/" + name + "\n"
                + "rm -f $d/" + name + "\n"
                + "rm -rf $d\n";
    }

    private static String below(String dir, String name) {
        return tempFile("f", dir + G + name)
                + path("$f")
                + "rm -f $f\n";
    }
}
