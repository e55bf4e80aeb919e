# R's answers for the numerical-extremes tests (tests/reliability/test_numerics.py).
# Run from the repository root: Rscript tests/reliability/data/make_extremes.R
# extremes.csv was made once with set.seed(1): x2 ~ N(0, 1e8^2), x3 ~ N(0, 1e-8^2),
# z2 = z1 + N(0, 1e-6^2) (condition number about 1e6 of [z1, z2]), ysmall = |y| * 1e-300,
# ybig = y * 1e299.
suppressMessages(library(jsonlite))
d <- read.csv("tests/reliability/data/extremes.csv")
fit <- function(expr) {
  warns <- character()
  m <- withCallingHandlers(tryCatch(eval(expr), error = function(e) e),
                           warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  if (inherits(m, "error")) return(list(error = conditionMessage(m), warnings = warns))
  s <- summary(m)$coefficients
  list(coef = unname(coef(m)), se = unname(s[, 2]), deviance = deviance(m), iter = m$iter,
       converged = m$converged, boundary = m$boundary, warnings = warns)
}
cases <- list(
  scales_gaussian = fit(quote(glm(y ~ x1 + x2 + x3, data = d))),
  scales_poisson = fit(quote(glm(cnt ~ x1 + x2 + x3, data = d, family = poisson))),
  near_collinear = fit(quote(glm(yc ~ z1 + z2, data = d))),
  tiny_gamma_log = fit(quote(glm(ysmall ~ x1, data = d, family = Gamma(link = "log")))),
  huge_gaussian = fit(quote(glm(ybig ~ x1, data = d))),
  eta_overflow = fit(quote(glm(cnt ~ x1, data = d, family = poisson, start = c(0, 800)))),
  logit_extreme_start = fit(quote(glm(I(cnt > 1) ~ x1, data = d, family = binomial, start = c(0, 60))))
)
writeLines(toJSON(cases, auto_unbox = TRUE, digits = NA, pretty = TRUE), "tests/reliability/data/extremes.json")
