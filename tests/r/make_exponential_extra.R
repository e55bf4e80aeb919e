# More cases for rglm.glm(..., family=rglm.Exponential(link)): the inverse link and a subset.
# Run from the repository root: Rscript tests/r/make_exponential_extra.R
# (uses exponential_lib.R, the shared reference's library, copied next to this script;
# the data are those of tests/data/exponential/data).
invisible(Sys.setlocale("LC_COLLATE", "C"))
source("tests/r/exponential_lib.R")
out <- "tests/data/exponential"
newrows <- function(name, rows, change = list()) {
  d <- read_csv_back(file.path(out, "data", paste0(name, ".csv")))[rows, ]
  for (v in names(change)) d[[v]] <- round(d[[v]] * change[[v]], 6)
  rownames(d) <- NULL
  d
}
specs <- list(
  list(id = "gen_inverse_subset", data = "gen_exp", formula = "y ~ x + g", link = "inverse",
       subset = "x > 0.3", py_subset = "x > 0.3",
       description = "generated durations, inverse link, subset x > 0.3",
       newdata = newrows("gen_exp", c(2, 4, 6), list(x = 1.1))),
  list(id = "veteran_log_interaction", data = "veteran", formula = "time ~ karno * prior + age", link = "log",
       description = "veteran times, log link with an interaction and a numeric covariate",
       newdata = newrows("veteran", c(3, 40, 90), list(karno = 1.1)))
)
for (s in specs) exponential_case(s, out)
