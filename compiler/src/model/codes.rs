//! The codes the resolver reports: names and definitions (`N1xxx`) and values (`V2xxx`).
//!
//! Each doc comment is the user documentation `ward explain CODE` prints: what the code means,
//! why ward insists, how to fix it, and an example. Names read as "allow ⟨name⟩".

ward_lang::declare_codes! {
    /// ## What it means
    /// A name is used but nothing of that kind is declared under it: a flow names a service or
    /// a port that does not exist, a store field names an unknown data class, a service is
    /// placed at an unknown site, a flow or service names an unknown purpose, or a waiver or
    /// transfer names an unknown service.
    ///
    /// ## Why it matters
    /// Every name in a policy must point at exactly one declaration, otherwise ward cannot know
    /// which firewall rule, data class or legal basis is meant. A typo in a flow would silently
    /// drop a data flow from the record of processing.
    ///
    /// ## How to fix
    /// Correct the spelling (the help suggests the closest declared name), or declare what is
    /// missing. For a port, the help lists the ports the target service declares.
    ///
    /// ## Example
    /// ```ward
    /// service analytics in aws:us-east-1 { hosts 198.18.8.0/24  port ingest 9000/tcp tls }
    /// flow checkout -> analytcs.ingest { carries email }   # `analytcs`: did you mean `analytics`?
    /// ```
    UNKNOWN_NAME = ("N1001", "unknown-name", Error, "a name does not refer to any declaration");

    /// ## What it means
    /// Two declarations define the same thing: two services, purposes, data classes or sites
    /// with the same name, two ports or stores with the same name in one service, two tables in
    /// one store, two fields in one table, two flows between the same source and port, two
    /// transfers between the same jurisdictions, a data class carried twice by one flow, or two
    /// `controller`, `trust_domain`, `firewall_default` or `severity` settings for the same thing.
    ///
    /// ## Why it matters
    /// ward could only keep one of them, and which one would depend on the order of the files.
    /// The two declarations may also disagree (different ports, different retention).
    ///
    /// ## How to fix
    /// The diagnostic points at both declarations. Merge them into one, or rename one of them.
    ///
    /// ## Example
    /// ```ward
    /// service checkout in aws:eu-central-1 { hosts 198.18.1.0/24 }
    /// service checkout in aws:eu-west-1 { hosts 198.18.2.0/24 }   # declared twice
    /// ```
    DUPLICATE_DEFINITION = ("N1002", "duplicate-definition", Error, "something is declared more than once");

    /// ## What it means
    /// An internal service (a `service` without `external`) does not list its `hosts`.
    ///
    /// ## Why it matters
    /// ward enforces the policy by writing each internal service's host firewall. Without the
    /// service's addresses it cannot write a rule that admits its declared flows, nor one that
    /// rejects everything else, so the policy would promise a separation nobody enforces.
    ///
    /// ## How to fix
    /// List the service's addresses or networks with `hosts`. If a third party runs the
    /// service (a SaaS processor), declare it `external service`: external services need no
    /// hosts (when given, their addresses let the firewalls of internal services admit the
    /// flows to them).
    ///
    /// ## Example
    /// ```ward
    /// service reports in fra_dc { hosts 198.18.9.0/24  port web 443/tcp tls }
    /// ```
    INTERNAL_SERVICE_WITHOUT_HOSTS = ("N1003", "internal-service-without-hosts", Error, "an internal service does not list its hosts");

    /// ## What it means
    /// An `external service` sets `management` or `firewall`. These describe the host firewall
    /// ward writes for a service, and ward writes none for a service a third party runs, so
    /// they are ignored. (`hosts` is not ignored: the addresses of an external service let the
    /// firewalls of internal services admit the flows to it.)
    ///
    /// ## Why it matters
    /// The setting suggests a protection that does not exist. Either the service is in fact
    /// yours (and should be internal), or the setting is dead text that misleads reviewers.
    ///
    /// ## How to fix
    /// Remove the setting, or drop `external` if ward should enforce the service's firewall.
    ///
    /// ## Example
    /// ```ward
    /// external service stripe in aws:us-east-1 {
    ///   hosts 203.0.113.0/24
    ///   management 22/tcp from 198.18.250.0/24   # ignored: ward does not manage stripe's hosts
    /// }
    /// ```
    IGNORED_EXTERNAL_SETTING = ("N1004", "ignored-external-setting", Warning, "a host firewall setting on an external service is ignored");

    /// ## What it means
    /// A port number is not a TCP/UDP port: it is `0`, larger than `65535`, or too long to be a
    /// number at all.
    ///
    /// ## Why it matters
    /// The port becomes a firewall rule; a number outside `1-65535` cannot be enforced.
    ///
    /// ## How to fix
    /// Write a port number between 1 and 65535.
    ///
    /// ## Example
    /// ```ward
    /// port api 84430/tcp   # did you mean 8443?
    /// ```
    INVALID_PORT = ("V2001", "invalid-port", Error, "a port number is outside 1-65535");

    /// ## What it means
    /// A port range `first-last` starts after it ends.
    ///
    /// ## Why it matters
    /// The range contains no port; a firewall rule for it would admit nothing, and the flows to
    /// it could never work.
    ///
    /// ## How to fix
    /// Swap the two numbers, or write a single port.
    ///
    /// ## Example
    /// ```ward
    /// port metrics 9101-9100/tcp   # write 9100-9101
    /// ```
    INVALID_PORT_RANGE = ("V2002", "invalid-port-range", Error, "a port range starts after it ends");

    /// ## What it means
    /// Two ports of one service, with the same protocol, share port numbers.
    ///
    /// ## Why it matters
    /// A connection to a shared number matches both ports, so ward cannot tell which declared
    /// port (and which transport security and flows) it belongs to; the firewall rules and the
    /// record of processing would disagree.
    ///
    /// ## How to fix
    /// Give each port its own numbers, or merge the two ports into one.
    ///
    /// ## Example
    /// ```ward
    /// port api 8443/tcp mtls
    /// port admin 8440-8450/tcp   # contains 8443
    /// ```
    OVERLAPPING_PORTS = ("V2003", "overlapping-ports", Error, "two ports of a service share port numbers");

    /// ## What it means
    /// An address in `hosts` or `management ... from` is not an IPv4 or IPv6 address or
    /// network: it does not parse, its prefix is longer than the address (`/33` for IPv4,
    /// `/129` for IPv6), or it has host bits set (`198.18.1.5/24`). A bare address means a
    /// single host (`/32` or `/128`).
    ///
    /// ## Why it matters
    /// Addresses become firewall rules. A network with host bits set is ambiguous: `198.18.1.5/24`
    /// usually means the network `198.18.1.0/24`, but may mean the single host `198.18.1.5`.
    /// ward does not guess which one a firewall should admit.
    ///
    /// ## How to fix
    /// Write the network address (the help suggests it), or a bare address for one host.
    ///
    /// ## Example
    /// ```ward
    /// hosts 198.18.1.5/24   # write 198.18.1.0/24, or 198.18.1.5 for the single host
    /// ```
    INVALID_ADDRESS = ("V2004", "invalid-address", Error, "an address is not a valid IP address or network");

    /// ## What it means
    /// The `hosts` of two services (internal or external) share addresses.
    ///
    /// ## Why it matters
    /// ward identifies a service by its addresses in the firewall rules it writes. If two
    /// services share an address, traffic admitted for one is admitted for the other, so a flow
    /// the policy forbids could pass.
    ///
    /// ## How to fix
    /// Give each service its own addresses. If the two are really one host running two
    /// services, declare one service with both sets of ports.
    ///
    /// ## Example
    /// ```ward
    /// service checkout in aws:eu-central-1 { hosts 198.18.1.0/24 }
    /// service reports in aws:eu-central-1 { hosts 198.18.1.128/25 }   # inside checkout's /24
    /// ```
    OVERLAPPING_HOSTS = ("V2005", "overlapping-hosts", Error, "two services share addresses");

    /// ## What it means
    /// A service is placed in `provider:region` with a provider ward does not know. ward knows
    /// `aws`, `gcp` and `azure`.
    ///
    /// ## Why it matters
    /// The provider's region tells ward which country the service's data is in, which decides
    /// whether its flows are international transfers (GDPR Chapter V).
    ///
    /// ## How to fix
    /// Correct the provider, or, for any other location (a colocation, an office, another
    /// cloud), declare a `site` with its country and place the service there.
    ///
    /// ## Example
    /// ```ward
    /// site fra_dc country DE "Colo Frankfurt"
    /// service reports in fra_dc { hosts 198.18.9.0/24 }
    /// ```
    UNKNOWN_PROVIDER = ("V2006", "unknown-provider", Error, "a cloud provider is not known");

    /// ## What it means
    /// A service is placed in a region its provider does not have, according to ward's
    /// reference library.
    ///
    /// ## Why it matters
    /// The region decides the country the service's data is in, and so whether its flows are
    /// international transfers (GDPR Chapter V). ward does not guess it from the name.
    ///
    /// ## How to fix
    /// Correct the region code (the help suggests the closest one). Codes are the provider's
    /// own: `eu-central-1` (AWS), `europe-west3` (Google Cloud), `germanywestcentral` (Azure).
    /// For a region the library does not list yet, declare a `site` with its country.
    ///
    /// ## Example
    /// ```ward
    /// service checkout in aws:eu-centrl-1 { hosts 198.18.1.0/24 }   # did you mean `eu-central-1`?
    /// ```
    UNKNOWN_REGION = ("V2007", "unknown-region", Error, "a cloud region is not known");

    /// ## What it means
    /// A site's country is not an ISO 3166-1 alpha-2 country code. Common cases are `UK` (the
    /// code is `GB`), `EL` (the EU's abbreviation for Greece, whose code is `GR`) and a country
    /// name written instead of its code.
    ///
    /// ## Why it matters
    /// The country decides whether data stored at the site is inside the EU/EEA and which
    /// adequacy decision applies. ward uses one code per country so that every report and
    /// every check agrees.
    ///
    /// ## How to fix
    /// Write the two-letter ISO code; the help suggests it.
    ///
    /// ## Example
    /// ```ward
    /// site london_dc country UK   # write GB
    /// ```
    UNKNOWN_COUNTRY = ("V2008", "unknown-country", Error, "a country code is not known");

    /// ## What it means
    /// A date is not a date of the calendar: the month is not 1-12, or the day does not exist in
    /// that month (`2027-02-30`, `2027-02-29`). Dates are written `YYYY-MM-DD`.
    ///
    /// ## Why it matters
    /// Waiver expiry dates decide when a waived finding comes back. ward does not roll an
    /// impossible date over to the next month.
    ///
    /// ## How to fix
    /// Write a date that exists, for example the last day of the month.
    ///
    /// ## Example
    /// ```ward
    /// waive unused-port on port checkout.metrics until 2027-02-30 { reason "..." }   # 2027-02-28
    /// ```
    INVALID_DATE = ("V2009", "invalid-date", Error, "a date does not exist");

    /// ## What it means
    /// A retention period (`retain 90d`) is zero, longer than 100 years, or uses an unknown unit.
    /// Units are `d` (days), `w` (weeks), `mo` (months) and `y` (years).
    ///
    /// ## Why it matters
    /// Storage limitation (GDPR Art. 5(1)(e)) requires keeping personal data no longer than
    /// necessary, and the record of processing states the time limits for erasure
    /// (Art. 30(1)(f)). A retention of zero keeps nothing; one of more than 100 years is not a
    /// limit.
    ///
    /// ## How to fix
    /// Write the real period, for example `retain 90d` or `retain 10y` for records a law
    /// requires to be kept.
    ///
    /// ## Example
    /// ```ward
    /// store orders postgres retain 0d   # keeps nothing
    /// ```
    INVALID_RETENTION = ("V2010", "invalid-retention", Error, "a retention period is zero, too long or has an unknown unit");

    /// ## What it means
    /// A masking strategy is not one ward knows. The strategies are `redact`, `nullify`, `hash`,
    /// `tokenize`, `partial(keep_first = N, keep_last = N, mask_char = "*")`, `partial_email`
    /// and `generalize(to = year|month|region)`.
    ///
    /// ## Why it matters
    /// ward generates the masking code from the strategy; an unknown one cannot be generated,
    /// and data would leave unmasked.
    ///
    /// ## How to fix
    /// Use one of the strategies above; the help suggests the closest.
    ///
    /// ## Example
    /// ```ward
    /// data email personal mask partial_mail   # did you mean `partial_email`?
    /// ```
    UNKNOWN_MASK_STRATEGY = ("V2011", "unknown-mask-strategy", Error, "a masking strategy is not known");

    /// ## What it means
    /// An argument of a masking strategy is wrong: the strategy takes no argument of that name,
    /// the value has the wrong type (a number where text is expected, or the reverse), the
    /// value is out of range, an argument is given twice, or a required argument is missing.
    ///
    /// | strategy | arguments |
    /// |---|---|
    /// | `partial` | `keep_first` (number), `keep_last` (number), `mask_char` (one-character string) |
    /// | `generalize` | `to` (required: `year`, `month` or `region`) |
    /// | others | none |
    ///
    /// ## Why it matters
    /// The arguments decide how much of the value survives masking; ward does not guess them.
    ///
    /// ## How to fix
    /// Correct the argument as the help says.
    ///
    /// ## Example
    /// ```ward
    /// masked with partial(keep_last = "4")   # write keep_last = 4
    /// ```
    INVALID_MASK_ARGUMENT = ("V2012", "invalid-mask-argument", Error, "an argument of a masking strategy is wrong");

    /// ## What it means
    /// A purpose's `basis` is not one of the six lawful bases of GDPR Art. 6(1): `consent`,
    /// `contract`, `legal_obligation`, `vital_interests`, `public_task`,
    /// `legitimate_interests`.
    ///
    /// ## Why it matters
    /// Processing personal data is lawful only on one of these bases, and the record of
    /// processing must state it.
    ///
    /// ## How to fix
    /// Write the basis the processing relies on; the help suggests the closest.
    ///
    /// ## Example
    /// ```ward
    /// purpose analytics basis legitimate_interest   # did you mean `legitimate_interests`?
    /// ```
    UNKNOWN_LAWFUL_BASIS = ("V2013", "unknown-lawful-basis", Error, "a lawful basis is not one of GDPR Art. 6(1)");

    /// ## What it means
    /// A transfer's `mechanism` is not a Chapter V transfer tool ward knows: `adequacy`
    /// (Art. 45), `dpf` (the EU-US Data Privacy Framework), `scc` (Art. 46(2)(c)), `bcr`
    /// (Art. 47), `code_of_conduct` (Art. 46(2)(e)), `certification` (Art. 46(2)(f)) or
    /// `derogation <ground>` (Art. 49).
    ///
    /// ## Why it matters
    /// A transfer to a third country is lawful only under one of these mechanisms; the checks
    /// verify that the named one applies to the destination and recipient.
    ///
    /// ## How to fix
    /// Write one of the mechanisms above; the help suggests the closest.
    ///
    /// ## Example
    /// ```ward
    /// transfer EU -> US { mechanism privacy_shield }   # invalidated in 2020 (Schrems II): use dpf or scc
    /// ```
    UNKNOWN_MECHANISM = ("V2014", "unknown-mechanism", Error, "a transfer mechanism is not known");

    /// ## What it means
    /// A `derogation` does not name one of the grounds of GDPR Art. 49(1): `explicit_consent`,
    /// `contract`, `contract_in_interest`, `public_interest`, `legal_claims`, `vital_interests`,
    /// `public_register`, `compelling_legitimate_interests`.
    ///
    /// ## Why it matters
    /// Derogations are exceptions for specific situations, each with its own conditions; the
    /// record must say which one the transfer relies on.
    ///
    /// ## How to fix
    /// Write the ground after `derogation`; the help suggests the closest.
    ///
    /// ## Example
    /// ```ward
    /// transfer EU -> IN { mechanism derogation explicit_consent }
    /// ```
    UNKNOWN_DEROGATION = ("V2015", "unknown-derogation", Error, "a derogation is not an Art. 49(1) ground");

    /// ## What it means
    /// `scc module` names a module the 2021 standard contractual clauses (Decision (EU)
    /// 2021/914) do not have. The modules are `c2c` (controller to controller), `c2p`
    /// (controller to processor), `p2p` (processor to processor) and `p2c` (processor to
    /// controller).
    ///
    /// ## Why it matters
    /// The module decides the obligations of the parties; the record must name the one signed.
    ///
    /// ## How to fix
    /// Write one of the four modules, or leave `module` out.
    ///
    /// ## Example
    /// ```ward
    /// transfer EU -> SG { mechanism scc module c2p }
    /// ```
    UNKNOWN_SCC_MODULE = ("V2016", "unknown-scc-module", Error, "an SCC module is not one of c2c, c2p, p2p, p2c");

    /// ## What it means
    /// `certified` names a certification ward does not know. ward knows `dpf`: the recipient
    /// is certified under the EU-US Data Privacy Framework.
    ///
    /// ## Why it matters
    /// The DPF adequacy decision covers only certified US recipients; the checks rely on the
    /// certification being stated exactly.
    ///
    /// ## How to fix
    /// Write `certified dpf`, or remove the line.
    ///
    /// ## Example
    /// ```ward
    /// external service stripe in aws:us-east-1 { certified dpf }
    /// ```
    UNKNOWN_CERTIFICATION = ("V2017", "unknown-certification", Error, "a certification is not known");

    /// ## What it means
    /// `sector` is neither `commercial` nor `public`.
    ///
    /// ## Why it matters
    /// Some adequacy decisions cover only one sector: Canada's covers only organisations
    /// subject to PIPEDA (commercial organisations), Japan's only the private sector.
    ///
    /// ## How to fix
    /// Write `sector commercial` or `sector public`. Without it a service is commercial.
    ///
    /// ## Example
    /// ```ward
    /// external service registry in aws:ca-central-1 { sector public }
    /// ```
    UNKNOWN_SECTOR = ("V2018", "unknown-sector", Error, "a sector is not commercial or public");

    /// ## What it means
    /// A transfer's origin or destination, or a waiver's transfer subject, is neither `EU`
    /// (or `EEA`) nor an ISO 3166-1 alpha-2 country code.
    ///
    /// ## Why it matters
    /// ward compares the transfers a policy declares with the transfers its flows make. Both
    /// must name jurisdictions the same way.
    ///
    /// ## How to fix
    /// Write `EU`, `EEA` or a two-letter country code (`US`, `GB`, `CH`); the help suggests one.
    ///
    /// ## Example
    /// ```ward
    /// transfer EU -> USA { mechanism dpf }   # write US
    /// ```
    UNKNOWN_JURISDICTION = ("V2019", "unknown-jurisdiction", Error, "a transfer jurisdiction is not EU, EEA or a country code");

    /// ## What it means
    /// A transfer lists a `recipient` service that does not run in the transfer's destination.
    ///
    /// ## Why it matters
    /// A transfer mechanism covers a specific destination (an SCC is signed with a recipient in
    /// a specific country). Listing a recipient elsewhere suggests the transfer that really
    /// happens has no mechanism, or that the service is placed in the wrong region.
    ///
    /// ## How to fix
    /// Move the recipient to the transfer for its country, or correct the service's location.
    ///
    /// ## Example
    /// ```ward
    /// service analytics in aws:us-east-1 { hosts 198.18.8.0/24 }
    /// transfer EU -> SG { mechanism scc recipient analytics }   # analytics is in US
    /// ```
    RECIPIENT_OUTSIDE_DESTINATION = ("V2020", "recipient-outside-destination", Error, "a transfer recipient is not in the transfer's destination");

    /// ## What it means
    /// A flow carries a class `masked` without a strategy, and the data class declares no
    /// default `mask`.
    ///
    /// ## Why it matters
    /// ward generates the masking from the strategy; without one there is nothing to mask with,
    /// and the data would leave as it is.
    ///
    /// ## How to fix
    /// Name the strategy on the flow (`masked with partial_email`), or give the class a default
    /// (`data email personal mask partial_email`).
    ///
    /// ## Example
    /// ```ward
    /// data phone personal                              # no default mask
    /// flow crm -> support.api { carries phone masked } # masked with what?
    /// ```
    MASK_WITHOUT_STRATEGY = ("V2021", "mask-without-strategy", Error, "a class is masked but no strategy is given");
}
