package org.oxen.itests.paxexam;

import static org.ops4j.pax.exam.CoreOptions.bootDelegationPackage;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import org.ops4j.pax.exam.Option;

/**
 * The framework every Pax Exam test boots: DS, Gogo and the oxen bundles the Maven build just
 * packaged (their paths arrive in the system property {@code oxen.bundles}).
 */
final class OxenOptions {

    private OxenOptions() {
    }

    static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set; run the tests through Maven");
        }
        return value;
    }

    static Option base() {
        List<Option> options = new ArrayList<>();
        options.add(systemProperty("org.ops4j.pax.url.mvn.localRepository")
                .value(required("org.ops4j.pax.url.mvn.localRepository")));
        options.add(systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"));
        // as cnf/run.bnd: the CPU reaches sun.misc.Unsafe for LOCK'd RAM updates on Java 22+
        options.add(bootDelegationPackage("sun.*"));
        options.add(systemProperty("oxen.memory.mib").value("768"));
        options.add(systemProperty("oxen.pcpus").value("2"));
        // never the demo domains of runtime/domains
        options.add(systemProperty("oxen.domains.dir").value("none"));
        options.add(mavenBundle("org.osgi", "org.osgi.util.function", "1.2.0"));
        options.add(mavenBundle("org.osgi", "org.osgi.util.promise", "1.3.0"));
        options.add(mavenBundle("org.osgi", "org.osgi.service.component", "1.5.1"));
        options.add(mavenBundle("org.apache.felix", "org.apache.felix.scr", required("felix.scr.version")));
        options.add(mavenBundle("org.apache.felix", "org.apache.felix.gogo.runtime", required("gogo.runtime.version")));
        options.add(mavenBundle("org.apache.felix", "org.apache.felix.gogo.command", required("gogo.command.version")));
        for (String path : required("oxen.bundles").split(",")) {
            File file = new File(path.strip());
            if (!file.isFile()) {
                throw new IllegalStateException("oxen bundle " + file + " does not exist; build it first");
            }
            options.add(bundle(file.toURI().toString()));
        }
        options.add(junitBundles());
        return composite(options.toArray(new Option[0]));
    }
}
