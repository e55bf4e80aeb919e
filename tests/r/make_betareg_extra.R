# More beta-regression cases for rglm.betareg: the other mean links (cauchit, log), offset() terms in
# both parts, missing values, subset, and responses of exactly 0 or 1.
# Run from the repository root: Rscript tests/r/make_betareg_extra.R
# (betareg_lib.R is the shared reference's library, copied next to this script; the data of the
# shared cases are in tests/data/betareg/data).
invisible(Sys.setlocale("LC_COLLATE", "C"))
source("tests/r/betareg_lib.R")
out <- "tests/data/betareg"
W <- function(df, name) write_csv_exact(df, file.path(out, "data", paste0(name, ".csv")))
R <- function(name) read_csv_back(file.path(out, "data", paste0(name, ".csv")))
newrows <- function(name, rows, change = list()) {
  d <- R(name)[rows, ]
  for (v in names(change)) d[[v]] <- round(d[[v]] * change[[v]], 6)
  rownames(d) <- NULL
  d
}
g <- R("gen_cloglog"); g$g <- as.character(g$g)
g$x1[c(4, 17)] <- NA; g$o[30] <- NA
W(g, "gen_na")
sw <- R("swiss"); sw$exam0 <- sw$exam; sw$exam0[c(3, 8)] <- c(0, 1)
W(sw, "swiss_zero_one")
specs <- list(
  list(id = "swiss_cauchit_phi_log", data = "swiss", formula = "exam ~ Education | Catholic", link = "cauchit",
       description = "swiss: cauchit mean, precision on Catholic (default log link)",
       newdata = newrows("swiss", c(2, 9, 33), list(Education = 1.1, Catholic = 0.9))),
  list(id = "usarrests_log_subset", data = "usarrests", formula = "urban ~ Assault + Rape", link = "log",
       subset = "Murder > 3",
       description = "USArrests: log mean link, constant precision, subset Murder > 3",
       newdata = newrows("usarrests", c(1, 20, 40), list(Assault = 0.9))),
  list(id = "gen_na_logit_offsets", data = "gen_na", formula = "y ~ x1 + g + offset(o) | x1 + offset(o)",
       link = "logit",
       description = "generated with missing values: logit mean with an offset() term, precision on x1 with an offset() term (log link)",
       newdata = newrows("gen_cloglog", c(5, 6, 7), list(x1 = 1.1))),
  list(id = "savings_probit_sqrt_weights", data = "savings", formula = "savings ~ pop15 | pop75", link = "probit",
       link_phi = "sqrt", weights = "dpi",
       description = "LifeCycleSavings: probit mean, sqrt precision link on pop75, weights dpi",
       newdata = newrows("savings", c(3, 30), list(pop15 = 0.9)))
)
for (s in specs) betareg_case(s, out)
betareg_error_case(list(id = "swiss_zero_one_error", data = "swiss_zero_one", formula = "exam0 ~ Education",
                        link = "logit", description = "responses of exactly 0 and 1 must raise, naming the rows"), out)
