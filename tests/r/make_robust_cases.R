# Regenerates tests/data/r_robust: sandwich's vcovHC and vcovCL for glm fits, the oracle of
# tests/test_robust.py.  Run from the repository root: Rscript tests/r/make_robust_cases.R
# (R 4.2.2, sandwich 3.0.2).  Each case is one JSON file with the rglm call describing the fit
# and R's covariance matrices (full p x p, NA rows/columns for aliased coefficients).
suppressMessages({library(sandwich); library(jsonlite)})
invisible(Sys.setlocale("LC_COLLATE", "C"))
out <- "tests/data/r_robust"
dir.create(file.path(out, "cases"), recursive = TRUE, showWarnings = FALSE)
dir.create(file.path(out, "data"), recursive = TRUE, showWarnings = FALSE)

# -- data written by this script -----------------------------------------------------------------
# sandwich's PetersenCL (simulated firm-year panel, Petersen 2009): the first 200 firms.
data(PetersenCL, package = "sandwich")
pet <- PetersenCL[PetersenCL$firm <= 200, ]
pet$yb <- as.integer(pet$y > 0)
write.csv(pet, file.path(out, "data", "petersen.csv"), row.names = FALSE)

# Clustered counts: 30 clusters of 1 to 12 rows (singletons included), a crossed "region".
set.seed(20240611)
G <- 30
sizes <- sample(1:12, G, replace = TRUE)
sizes[c(3, 17)] <- 1L
id <- rep(sprintf("c%02d", seq_len(G)), sizes)
n <- length(id)
u <- rnorm(G)[match(id, sprintf("c%02d", seq_len(G)))]
x1 <- round(rnorm(n), 4)
x2 <- round(runif(n), 4)
expo <- round(runif(n, 0.5, 3), 3)
gen <- data.frame(
  id = id, region = sample(c("E", "N", "S", "W"), n, replace = TRUE), x1 = x1, x2 = x2, expo = expo,
  y = rpois(n, exp(0.3 + 0.5 * x1 - 0.4 * x2 + 0.5 * u) * expo),
  yb = rbinom(n, 1, plogis(-0.2 + 0.8 * x1 + 0.6 * u)),
  yg = round(rgamma(n, shape = 3, rate = 3 / exp(1 + 0.3 * x1 + 0.4 * u)), 4)
)
write.csv(gen, file.path(out, "data", "clustered.csv"), row.names = FALSE)

read_data <- function(path) {
  if (startsWith(path, "datasets:")) {
    read.csv(file.path("rglm/datasets", paste0(sub("datasets:", "", path), ".csv")), stringsAsFactors = TRUE)
  } else {
    read.csv(file.path(out, path), stringsAsFactors = FALSE)
  }
}

full_matrix <- function(v, cf) {
  # sandwich returns the non-aliased block only; rglm reports NaN rows and columns for the rest.
  k <- length(cf)
  full <- matrix(NA_real_, k, k)
  keep <- !is.na(cf)
  full[keep, keep] <- unname(v)
  full
}

n_clusters <- function(cl) sapply(cl, function(v) if (is.factor(v)) nlevels(v) else length(unique(v)))

make_case <- function(id, data, rformula, pyformula, family, pyfamily, link = NULL, weights = NULL,
                      offset = NULL, subset = NULL, hc = c("HC0", "HC1", "HC2", "HC3", "HC4", "HC4m", "HC5"),
                      clusters = list(), prep = NULL, manual_hat_hc = FALSE) {
  d <- read_data(data)
  if (!is.null(prep)) d <- prep(d)
  call_txt <- paste0("glm(", rformula, ", family = ", family, ", data = d",
                     if (!is.null(weights)) paste0(", weights = ", weights) else "",
                     if (!is.null(offset)) paste0(", offset = ", offset) else "",
                     if (!is.null(subset)) paste0(", subset = ", subset) else "", ")")
  m <- eval(parse(text = call_txt))
  cf <- coef(m)
  hcs <- list()
  for (type in hc) hcs[[type]] <- full_matrix(vcovHC(m, type = type), cf)
  if (manual_hat_hc) {
    # With zero prior weights R's hatvalues() drops those rows, and meatHC then recycles the
    # shorter vector; the intended figure pads the hat values with 0 for the zero-weight rows.
    h <- numeric(nobs(m) + sum(m$prior.weights == 0))
    h[m$prior.weights > 0] <- hatvalues(m)
    for (type in c("HC2", "HC3")) {
      pw <- if (type == "HC2") 1 else 2
      om <- function(residuals, diaghat, df) residuals^2 / (1 - h)^pw
      hcs[[type]] <- full_matrix(vcovHC(m, omega = om), cf)
    }
  }
  cls <- list()
  for (spec in clusters) {
    args <- list(m, cluster = as.formula(paste("~", paste(spec$by, collapse = " + "))), type = spec$type)
    if (!is.null(spec$cadjust)) args$cadjust <- spec$cadjust
    if (!is.null(spec$multi0)) args$multi0 <- spec$multi0
    v <- do.call(vcovCL, args)
    mf <- expand.model.frame(m, as.formula(paste("~", paste(spec$by, collapse = " + "))), na.expand = FALSE)
    cls[[length(cls) + 1]] <- list(
      by = spec$by, type = spec$type, cadjust = if (is.null(spec$cadjust)) TRUE else spec$cadjust,
      multi0 = if (is.null(spec$multi0)) FALSE else spec$multi0,
      n_clusters = unname(n_clusters(mf[spec$by])), vcov = full_matrix(v, cf))
  }
  # Leverages on every model row (R's hatvalues() leaves out the zero-weight ones: 0 there).
  hat <- numeric(length(m$prior.weights))
  hat[m$prior.weights > 0] <- hatvalues(m)
  ref <- list(call = call_txt, coef_names = names(cf), aliased = unname(is.na(cf)), nobs = nobs(m), hat = hat,
              vcov = unname(vcov(m)), hc = hcs, cluster = cls)
  py <- list(formula = pyformula, family = pyfamily, link = link, weights = weights, offset = offset,
             subset = subset, data = data)
  writeLines(toJSON(list(id = id, r = ref, python = py), auto_unbox = TRUE, digits = NA, null = "null",
                    na = "null", pretty = TRUE),
             file.path(out, "cases", paste0(id, ".json")))
  cat(sprintf("%-34s n=%-5d p=%-2d hc=%d cl=%d\n", id, nobs(m), length(cf), length(hcs), length(cls)))
}

cl <- function(by, type, cadjust = NULL, multi0 = NULL) list(by = by, type = type, cadjust = cadjust, multi0 = multi0)

make_case("budworm_binomial_cbind", "datasets:budworm", "cbind(numdead, numalive) ~ sex * ldose",
          "cbind(numdead, numalive) ~ sex * ldose", "binomial()", "Binomial",
          clusters = list(cl("sex", "HC0"), cl("sex", "HC1")))
make_case("infert_logit", "datasets:infert", "case ~ spontaneous + induced + age + education",
          "case ~ spontaneous + induced + age + education", "binomial()", "Binomial",
          clusters = list(cl("stratum", "HC0"), cl("stratum", "HC1"), cl("stratum", "HC2"), cl("stratum", "HC3"),
                          cl("stratum", "HC0", cadjust = FALSE), cl(c("stratum", "education"), "HC1")))
make_case("infert_probit", "datasets:infert", "case ~ spontaneous + induced + age",
          "case ~ spontaneous + induced + age", 'binomial(link = "probit")', "Binomial", link = "probit",
          clusters = list(cl("stratum", "HC0")))
make_case("insurance_poisson_offset", "datasets:insurance",
          "Claims ~ factor(District) + Group + Age + offset(log(Holders))",
          "Claims ~ C(District) + Group + Age + offset(log(Holders))", "poisson()", "Poisson",
          clusters = list(cl("District", "HC0"), cl("District", "HC1")))
make_case("trees_gamma_log", "datasets:trees", "Volume ~ log(Girth) + log(Height)",
          "Volume ~ log(Girth) + log(Height)", 'Gamma(link = "log")', "Gamma", link = "log")
make_case("mtcars_gaussian", "datasets:mtcars", "mpg ~ wt + hp + factor(cyl)", "mpg ~ wt + hp + C(cyl)",
          "gaussian()", "Gaussian",
          clusters = list(cl("gear", "HC0"), cl("gear", "HC1"), cl("gear", "HC2"), cl("gear", "HC3"),
                          cl(c("cyl", "am"), "HC1")))
make_case("quine_quasipoisson", "datasets:quine", "Days ~ Eth + Sex + Age + Lrn", "Days ~ Eth + Sex + Age + Lrn",
          "quasipoisson()", "QuasiPoisson",
          clusters = list(cl("Age", "HC1"), cl(c("Eth", "Sex"), "HC0"), cl(c("Eth", "Sex"), "HC1", multi0 = TRUE),
                          cl(c("Eth", "Sex", "Lrn"), "HC1")))
make_case("airquality_gaussian_weights_na", "datasets:airquality", "Ozone ~ Temp + Wind", "Ozone ~ Temp + Wind",
          "gaussian()", "Gaussian", weights = "Solar.R",
          clusters = list(cl("Month", "HC0"), cl("Month", "HC1"), cl("Month", "HC3")))
make_case("titanic_weights_zero", "datasets:titanic", "Survived ~ Class + Sex + Age", "Survived ~ Class + Sex + Age",
          "binomial()", "Binomial", weights = "Freq", hc = c("HC0", "HC1"), manual_hat_hc = TRUE,
          clusters = list(cl("Class", "HC0"), cl("Class", "HC1")))
make_case("mtcars_gamma_aliased", "datasets:mtcars", "mpg ~ wt + wt2 + hp", "mpg ~ wt + wt2 + hp",
          'Gamma(link = "log")', "Gamma", link = "log",
          clusters = list(cl("gear", "HC0"), cl("gear", "HC2")))
make_case("petersen_gaussian", "data/petersen.csv", "y ~ x", "y ~ x", "gaussian()", "Gaussian",
          clusters = list(cl("firm", "HC0"), cl("firm", "HC1"), cl("firm", "HC2"), cl("firm", "HC3"),
                          cl("year", "HC1"), cl(c("firm", "year"), "HC0"), cl(c("firm", "year"), "HC1"),
                          cl(c("firm", "year"), "HC3")))
make_case("petersen_binomial", "data/petersen.csv", "yb ~ x", "yb ~ x", "binomial()", "Binomial",
          hc = c("HC0", "HC3"), clusters = list(cl("firm", "HC0"), cl("firm", "HC1"), cl("firm", "HC3")))
make_case("clustered_poisson_offset", "data/clustered.csv", "y ~ x1 + x2", "y ~ x1 + x2", "poisson()", "Poisson",
          offset = "log(expo)",
          clusters = list(cl("id", "HC0"), cl("id", "HC1"), cl("id", "HC2"), cl("id", "HC3"),
                          cl("id", "HC1", cadjust = FALSE), cl(c("id", "region"), "HC0"),
                          cl(c("id", "region"), "HC1", multi0 = TRUE)))
make_case("clustered_binomial", "data/clustered.csv", "yb ~ x1 + x2", "yb ~ x1 + x2", "binomial()", "Binomial",
          clusters = list(cl("id", "HC0"), cl("id", "HC2"), cl("id", "HC3")))
make_case("clustered_gamma", "data/clustered.csv", "yg ~ x1 + region", "yg ~ x1 + region", 'Gamma(link = "log")',
          "Gamma", link = "log", clusters = list(cl("id", "HC1"), cl("region", "HC0")))
# A factor cluster variable keeps its levels when a subset removes whole clusters, and
# vcovCL counts the levels (not the clusters left) in G / (G - 1).
make_case("clustered_subset_factor", "data/clustered.csv", "y ~ x1 + x2", "y ~ x1 + x2", "poisson()", "Poisson",
          subset = "x2 > 0.3", prep = function(d) { d$idf <- factor(d$id); d },
          clusters = list(cl("idf", "HC0"), cl("id", "HC0")))
