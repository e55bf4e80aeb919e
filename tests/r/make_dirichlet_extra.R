# More Dirichlet-regression cases for rglm.dirichlet: the alternative parametrization without a
# precision model, a subset, and zeros moved away by the (y (n - 1) + 1/K) / n transform.
# Run from the repository root: Rscript tests/r/make_dirichlet_extra.R
# (dirichlet_lib.R is the shared reference's library, copied next to this script).
invisible(Sys.setlocale("LC_COLLATE", "C"))
source("tests/r/dirichlet_lib.R")
out <- "tests/data/dirichlet"
W <- function(df, name) write_csv_exact(df, file.path(out, "data", paste0(name, ".csv")))
R <- function(name) read_csv_back(file.path(out, "data", paste0(name, ".csv")))
newrows <- function(name, rows, change = list()) {
  d <- R(name)[rows, ]
  for (v in names(change)) d[[v]] <- round(d[[v]] * change[[v]], 6)
  rownames(d) <- NULL
  d
}
sz <- R("sediment"); sz$silt[c(5, 12)] <- 0; sz$clay[c(5, 12)] <- 1 - sz$sand[c(5, 12)]
W(sz, "sediment_zero")
specs <- list(
  list(id = "sediment_alternative_const", data = "sediment", components = c("sand", "silt", "clay"), rhs = "depth",
       parametrization = "alternative",
       description = "sediment, alternative parametrization with a constant precision",
       newdata = newrows("sediment", c(3, 33), list(depth = 1.2))),
  list(id = "sediment_common_subset", data = "sediment", components = c("sand", "silt", "clay"), rhs = "depth",
       subset = "depth > 20", description = "sediment, common parametrization on the rows with depth > 20",
       newdata = newrows("sediment", c(25, 35))),
  list(id = "sediment_zero_transform", data = "sediment_zero", components = c("sand", "silt", "clay"),
       rhs = "depth", transform = TRUE,
       description = "sediment with two zero shares, transformed by (y (n - 1) + 1/K) / n",
       newdata = newrows("sediment", c(2, 22)))
)
for (s in specs) dirichlet_case(s, out)
