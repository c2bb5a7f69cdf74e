package farm.llama.atmosphere.image;

import static farm.llama.atmosphere.image.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.image.Commands.Run;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The .deb as an administrator meets it, inside a minimal Debian root ({@code debootstrap
 * --variant=minbase}; a pristine one is kept in {@code ~/.cache/atmosphere} and copied for each
 * run): installed offline with {@code apt-get}, its unit verified, the node run as the unit runs
 * it, used by a member of group {@code atmosphere} and refused to a user outside it, upgraded,
 * removed and purged. Every step runs in fresh mount, PID and network namespaces
 * ({@code src/test/sh/in-root.sh}), never on this machine itself. The steps build on each other, in
 * order. systemd is installed in the root but not running (as on this machine): the unit's
 * hardening itself runs in the release workflow's Linux job.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebIT {

    private static final String DATA = "/var/lib/atmosphere";

    private static Path deb;
    private static String debVersion;
    private static DebianRoot debian;

    private static Run inRoot(String script) throws Exception {
        return debian.in(script);
    }

    private static Run inRootOk(String script) throws Exception {
        return debian.inOk(script);
    }

    /** @return a path inside the root, as this machine sees it */
    private static Path at(String absolute) {
        return debian.at(absolute);
    }

    @BeforeAll
    static void makeRoot() throws Exception {
        debian = DebianRoot.copy("deb-it");
        deb = DebianRoot.deb();
        debVersion = deb.getFileName().toString().split("_")[1];
        Files.copy(deb, at("/tmp/" + deb.getFileName()));
    }

    @AfterAll
    static void removeWork() throws Exception {
        if (debian != null) {
            debian.remove();
        }
    }

    @Test
    @Order(1)
    void installsOnAMinimalSystemWithItsDependenciesTheUserAndAnInitialisedDataDir() throws Exception {
        // the root's network has loopback only: whatever apt needs must come from its cache
        Run install = inRootOk("apt-get install -y /tmp/" + deb.getFileName());
        assertTrue(install.out().contains("Setting up atmosphere (" + debVersion + ")"), install.all());
        assertEquals("install ok installed", inRootOk("dpkg-query -W -f='${Status}' atmosphere").out());

        String[] user = inRootOk("getent passwd atmosphere").out().trim().split(":");
        assertTrue(Integer.parseInt(user[2]) < 1000, "a system user: " + String.join(":", user));
        assertEquals(DATA, user[5], "its home is the data dir");
        assertEquals("/usr/sbin/nologin", user[6], "no login shell");
        assertTrue(inRootOk("getent group atmosphere").out().startsWith("atmosphere:x:" + user[3] + ":"), "its own group");

        assertEquals("""
                750 atmosphere atmosphere /var/lib/atmosphere
                640 atmosphere atmosphere /var/lib/atmosphere/admin.token
                600 atmosphere atmosphere /var/lib/atmosphere/config.yaml
                600 atmosphere atmosphere /var/lib/atmosphere/identity.json
                """, inRootOk("cd " + DATA + " && stat -c '%a %U %G %n' " + DATA + " " + DATA + "/admin.token " + DATA + "/config.yaml "
                + DATA + "/identity.json").out(), "the system node initialised by the package, shared with its group as the node defines it");
        assertFalse(Files.exists(at(DATA + "/node.json")), "systemd is not running here: the package enabled the unit but started nothing");

        assertEquals("/usr/lib/atmosphere/bin/atmosphere", inRootOk("readlink -f /usr/bin/atmosphere").out().trim());
        assertTrue(inRootOk("atmosphere --version").out().startsWith("Atmosphere "), "the command runs");
        for (String file : List.of("/usr/share/man/man1/atmosphere.1.gz", "/usr/share/bash-completion/completions/atmosphere",
                "/usr/share/zsh/vendor-completions/_atmosphere", "/usr/share/fish/vendor_completions.d/atmosphere.fish",
                "/usr/share/doc/atmosphere/copyright", "/usr/lib/systemd/system/atmosphere.service")) {
            assertTrue(Files.isRegularFile(at(file)), file);
        }
        assertTrue(Files.isSymbolicLink(at("/etc/systemd/system/multi-user.target.wants/atmosphere.service")), "enabled while systemd is not running");
    }

    @Test
    @Order(2)
    void theUnitVerifiesAndItsExposureStaysLow() throws Exception {
        // no man-db in a minimal root: --man=no (ReleaseIT renders the man page)
        Run verify = inRoot("systemd-analyze verify --man=no /usr/lib/systemd/system/atmosphere.service");
        assertEquals(0, verify.code(), verify.all());
        assertEquals("", verify.all().strip(), "systemd-analyze verify is silent about it");
        Run security = inRootOk("systemd-analyze security --offline=yes --no-pager /usr/lib/systemd/system/atmosphere.service");
        Matcher exposure = Pattern.compile("Overall exposure level for atmosphere\\.service: (\\d+\\.\\d)").matcher(security.out());
        assertTrue(exposure.find(), security.out());
        assertTrue(Double.parseDouble(exposure.group(1)) <= 2.0, "hardening a reviewer expects (BENCHMARKS.md has the figure): " + exposure.group(1));
        assertFalse(unit().containsKey("MemoryDenyWriteExecute"), "the JIT needs writable executable memory");
    }

    @Test
    @Order(3)
    void theServiceUserServesAndGroupMembersAdministerItWhileOthersAreToldWhy() throws Exception {
        Map<String, String> unit = unit();
        String env = Arrays.stream(unit.get("Environment").split("\n")).collect(Collectors.joining(" "));
        // as the unit runs it: its user and group, its environment (only), its directory and umask
        String script = """
                set -u
                mkdir -p /tmp/it
                useradd -m -G atmosphere alice && useradd -m bob
                (cd %s && umask %s && exec setpriv --reuid=%s --regid=%s --init-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=%s %s %s) \
                    >/tmp/it/serve.log 2>&1 &
                node=$!
                i=0
                until su alice -c 'atmosphere health' >/tmp/it/health.out 2>&1; do
                  i=$((i+1)); { [ $i -gt 120 ] || ! kill -0 $node; } && break; sleep 1
                done
                su alice -c 'atmosphere status' >/tmp/it/alice-status.out 2>&1; echo $? >/tmp/it/alice-status.code
                su alice -c 'atmosphere tool run store -P action=set -P key=kept -P value=42' >/tmp/it/alice-store.out 2>&1
                echo $? >/tmp/it/alice-store.code
                su bob -c 'atmosphere status' >/tmp/it/bob-status.out 2>&1; echo $? >/tmp/it/bob-status.code
                stat -c '%%a %%G %%n' %s/node.json >/tmp/it/node-json.stat
                kill -TERM $node; wait $node; echo $? >/tmp/it/serve.code
                """.formatted(unit.get("WorkingDirectory"), unit.get("UMask"), unit.get("User"), unit.get("Group"), DATA, env,
                unit.get("ExecStart"), DATA);
        inRootOk(script);
        String health = Files.readString(at("/tmp/it/health.out"));
        assertTrue(health.startsWith("ok: node ") && health.contains("http://127.0.0.1:"),
                "the node serves /health, its API on loopback:\n" + health + Files.readString(at("/tmp/it/serve.log")));
        assertEquals("0", read("/tmp/it/alice-status.code"), read("/tmp/it/alice-status.out"));
        assertTrue(read("/tmp/it/alice-status.out").contains("Data dir:  " + DATA), "a group member's CLI finds the system node");
        assertEquals("0", read("/tmp/it/alice-store.code"), "a group member changes its state: " + read("/tmp/it/alice-store.out"));
        assertNotEquals("0", read("/tmp/it/bob-status.code"));
        String bob = read("/tmp/it/bob-status.out");
        assertTrue(bob.contains(DATA) && bob.contains("group 'atmosphere'") && bob.contains("usermod -aG atmosphere"),
                "a user outside the group is told why and what to do: " + bob);
        assertEquals("640 atmosphere " + DATA + "/node.json", read("/tmp/it/node-json.stat"), "the group may read where the node serves");
        assertEquals(unit.get("SuccessExitStatus"), read("/tmp/it/serve.code"), "SIGTERM stops the node with the status the unit counts as success");
    }

    @Test
    @Order(4)
    void anUpgradeKeepsTheDataAndNeverReEnablesAUnitTheAdministratorDisabled() throws Exception {
        byte[] identity = Files.readAllBytes(at(DATA + "/identity.json"));
        byte[] token = Files.readAllBytes(at(DATA + "/admin.token"));
        Path wants = at("/etc/systemd/system/multi-user.target.wants/atmosphere.service");

        installNewerBuild(2);
        assertTrue(Files.isSymbolicLink(wants), "still enabled");
        assertTrue(Arrays.equals(identity, Files.readAllBytes(at(DATA + "/identity.json"))), "the same node");
        assertTrue(Arrays.equals(token, Files.readAllBytes(at(DATA + "/admin.token"))), "the same admin token");
        Run kept = inRootOk("cd /tmp && setpriv --reuid=atmosphere --regid=atmosphere --init-groups env -i HOME=" + DATA + " ATMOSPHERE_DATA_DIR="
                + DATA + " /usr/bin/atmosphere tool run store -P action=get -P key=kept");
        assertTrue(kept.out().contains("42"), "what the node stored before the upgrade: " + kept.all());

        inRootOk("systemctl disable atmosphere.service");
        assertFalse(Files.exists(wants, LinkOption.NOFOLLOW_LINKS), "disabled by the administrator");
        installNewerBuild(3);
        assertFalse(Files.exists(wants, LinkOption.NOFOLLOW_LINKS), "an upgrade leaves a disabled unit disabled");
    }

    @Test
    @Order(5)
    void removeKeepsTheDataAndPurgeLeavesNothing() throws Exception {
        String uid = inRootOk("id -u atmosphere").out().trim();
        String gid = inRootOk("getent group atmosphere | cut -d: -f3").out().trim();

        inRootOk("dpkg -r atmosphere");
        assertFalse(Files.exists(at("/usr/lib/atmosphere")) || Files.exists(at("/usr/bin/atmosphere"), LinkOption.NOFOLLOW_LINKS), "the program is gone");
        assertTrue(Files.isRegularFile(at(DATA + "/identity.json")), "remove keeps the node's data");
        assertEquals(0, inRoot("getent passwd atmosphere").code(), "and its user");
        byte[] identity = Files.readAllBytes(at(DATA + "/identity.json"));
        inRootOk("dpkg -i /tmp/" + deb.getFileName());
        assertTrue(Arrays.equals(identity, Files.readAllBytes(at(DATA + "/identity.json"))), "a reinstall finds the node as it was");
        inRootOk("dpkg -r atmosphere");

        inRootOk("dpkg -P atmosphere");
        // /tmp is the unit's PrivateTmp; /var/log and apt's cache record what was installed
        Run left = inRootOk("find / -xdev \\( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp -o -path /var/log"
                + " -o -path /var/cache/apt \\) -prune -o \\( -name '*atmosphere*' -o -lname '*atmosphere*' -o -uid " + uid + " -o -gid " + gid
                + " \\) -print");
        assertEquals("", left.out(), "purge leaves no file, link, or anything the service user owned");
        assertNotEquals(0, inRoot("getent passwd atmosphere").code(), "no user");
        assertNotEquals(0, inRoot("getent group atmosphere").code(), "no group");
        assertEquals("", inRoot("grep -h atmosphere /etc/passwd /etc/group /etc/shadow /etc/gshadow").out(), "no trace in the account files");
        assertNotEquals(0, inRoot("dpkg-query -W atmosphere").code(), "dpkg knows it no more");
    }

    @Test
    @Order(6)
    void lintianFindsNothingButWhatASelfContainedRuntimeIs() throws Exception {
        Commands.requireTool("lintian");
        // what bundling a Java runtime is, and cannot change: the JDK's own zlib, its jars and classes
        // outside /usr/share/java (of a class version newer than lintian knows); and it is not uploaded to Debian
        Run lintian = run(List.of("lintian", "--tag-display-limit", "0", "--suppress-tags",
                "embedded-library,jar-not-in-usr-share,package-installs-java-bytecode,unknown-java-class-version,initial-upload-closes-no-bugs",
                deb.toString()));
        List<String> findings = lintian.out().lines().filter(l -> l.matches("[EW]: .*")).toList();
        assertEquals(List.of(), findings, "lintian's errors and warnings:\n" + lintian.all());
    }

    /** Repacks the package under a newer Debian revision (a newer build of it) and installs that. */
    private static void installNewerBuild(int revision) throws Exception {
        String version = debVersion.replaceAll("-\\d+$", "-" + revision);
        Path tree = debian.work().resolve("repack-" + revision);
        Path newer = debian.work().resolve("atmosphere_" + version + "_" + deb.getFileName().toString().split("_")[2]);
        for (List<String> step : List.of(
                List.of("dpkg-deb", "-R", deb.toString(), tree.toString()),
                List.of("sed", "-i", "s/^Version: .*/Version: " + version + "/", tree.resolve("DEBIAN/control").toString()),
                List.of("dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", tree.toString(), newer.toString()),
                List.of("rm", "-rf", tree.toString()),
                List.of("mv", newer.toString(), at("/tmp/").toString()))) {
            Run r = run(step);
            assertEquals(0, r.code(), step + "\n" + r.all());
        }
        Run install = inRootOk("apt-get install -y /tmp/" + newer.getFileName());
        assertTrue(install.out().contains("Unpacking atmosphere (" + version + ") over (" + debVersion.replaceAll("-\\d+$", "-" + (revision - 1)) + ")"),
                install.all());
        assertEquals(version, inRootOk("dpkg-query -W -f='${Version}' atmosphere").out());
    }

    /** @return the installed unit's [Service] settings; a key given more than once has its values joined by newlines */
    private static Map<String, String> unit() throws Exception {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(at("/usr/lib/systemd/system/atmosphere.service"))) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                out.merge(line.substring(0, eq), line.substring(eq + 1), (a, b) -> a + "\n" + b);
            }
        }
        return out;
    }

    private static String read(String absolute) throws Exception {
        return Files.readString(at(absolute)).strip();
    }
}
