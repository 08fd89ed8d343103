//! Genesys Cloud regions: a domain (`mypurecloud.ie`) or a short name
//! (`euw1`, `eu-west-1`) resolved to the API and login hosts.

/// One region: its domain and the short names it is known by.
struct Region {
    domain: &'static str,
    /// The AWS-style name Genesys uses in its documentation, then the
    /// compact label (the first part of the newer `*.pure.cloud` domains).
    names: [&'static str; 2],
}

const REGIONS: &[Region] = &[
    Region {
        domain: "mypurecloud.com",
        names: ["us-east-1", "use1"],
    },
    Region {
        domain: "use2.us-gov-pure.cloud",
        names: ["us-east-2", "use2"],
    },
    Region {
        domain: "usw2.pure.cloud",
        names: ["us-west-2", "usw2"],
    },
    Region {
        domain: "cac1.pure.cloud",
        names: ["ca-central-1", "cac1"],
    },
    Region {
        domain: "sae1.pure.cloud",
        names: ["sa-east-1", "sae1"],
    },
    Region {
        domain: "mxc1.pure.cloud",
        names: ["mx-central-1", "mxc1"],
    },
    Region {
        domain: "mypurecloud.ie",
        names: ["eu-west-1", "euw1"],
    },
    Region {
        domain: "euw2.pure.cloud",
        names: ["eu-west-2", "euw2"],
    },
    Region {
        domain: "mypurecloud.de",
        names: ["eu-central-1", "euc1"],
    },
    Region {
        domain: "euc2.pure.cloud",
        names: ["eu-central-2", "euc2"],
    },
    Region {
        domain: "edee1.eusc-pure.cloud",
        names: ["eusc-de-east-1", "edee1"],
    },
    Region {
        domain: "mec1.pure.cloud",
        names: ["me-central-1", "mec1"],
    },
    Region {
        domain: "aps1.pure.cloud",
        names: ["ap-south-1", "aps1"],
    },
    Region {
        domain: "apse1.pure.cloud",
        names: ["ap-southeast-1", "apse1"],
    },
    Region {
        domain: "mypurecloud.com.au",
        names: ["ap-southeast-2", "apse2"],
    },
    Region {
        domain: "mypurecloud.jp",
        names: ["ap-northeast-1", "apne1"],
    },
    Region {
        domain: "apne2.pure.cloud",
        names: ["ap-northeast-2", "apne2"],
    },
    Region {
        domain: "apne3.pure.cloud",
        names: ["ap-northeast-3", "apne3"],
    },
];

/// The domain for a region given by domain or short name (any case; an
/// `api.` or `login.` prefix is taken off, as people paste host names).
pub fn domain(region: &str) -> Result<&'static str, String> {
    let wanted = region.trim().to_ascii_lowercase();
    let wanted = wanted
        .strip_prefix("https://")
        .unwrap_or(&wanted)
        .trim_end_matches('/');
    let wanted = wanted
        .strip_prefix("api.")
        .or_else(|| wanted.strip_prefix("login."))
        .unwrap_or(wanted);
    REGIONS
        .iter()
        .find(|r| r.domain == wanted || r.names.contains(&wanted))
        .map(|r| r.domain)
        .ok_or_else(|| {
            format!(
                "'{}' is not a Genesys Cloud region; use a domain or a short name:\n{}",
                region.trim(),
                listing()
            )
        })
}

/// Every region on a line of its own: domain, then its short names.
pub fn listing() -> String {
    REGIONS
        .iter()
        .map(|r| format!("  {:<24} {}", r.domain, r.names.join(", ")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_domains_and_short_names() {
        assert_eq!(domain("mypurecloud.ie"), Ok("mypurecloud.ie"));
        assert_eq!(domain("euw2"), Ok("euw2.pure.cloud"));
        assert_eq!(domain("EU-WEST-1"), Ok("mypurecloud.ie"));
        assert_eq!(domain("api.mypurecloud.com.au"), Ok("mypurecloud.com.au"));
        assert_eq!(
            domain("https://login.usw2.pure.cloud/"),
            Ok("usw2.pure.cloud")
        );
        assert_eq!(domain("edee1"), Ok("edee1.eusc-pure.cloud"));
    }

    #[test]
    fn an_unknown_region_lists_the_valid_ones() {
        let error = domain("mars1").unwrap_err();
        assert!(error.contains("'mars1' is not a Genesys Cloud region"));
        for region in REGIONS {
            assert!(error.contains(region.domain), "{} missing", region.domain);
        }
    }

    #[test]
    fn names_are_unique() {
        let mut all: Vec<&str> = REGIONS
            .iter()
            .flat_map(|r| std::iter::once(r.domain).chain(r.names))
            .collect();
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count);
    }
}
