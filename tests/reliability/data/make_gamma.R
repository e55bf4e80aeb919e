# Gamma fits with a small dispersion (AIC and logLik where the log-density cancels), for
# tests/reliability/test_exact_fits.py.  Run from the repository root:
#   Rscript tests/reliability/data/make_gamma.R
library(jsonlite)
set.seed(3)
n <- 60
x <- runif(n)
rows <- list()
out <- list()
for (noise in c(1e-2, 1e-6, 1e-8)) {
  y <- exp(1 + x) * (1 + noise * rnorm(n))
  m <- glm(y ~ x, family = Gamma(link = "log"))
  rows[[length(rows) + 1]] <- data.frame(noise = noise, x = x, y = y)
  out[[length(out) + 1]] <- list(noise = noise, coef = unname(coef(m)), deviance = deviance(m),
                                 aic = AIC(m), loglik = as.numeric(logLik(m)), bic = BIC(m))
}
d <- do.call(rbind, rows)
d[] <- lapply(d, function(v) sprintf("%.17g", v))
write.csv(d, "tests/reliability/data/gamma_small_dispersion.csv", row.names = FALSE, quote = FALSE)
# digits = NA: all 15 significant digits, so the CSV and JSON hold R's doubles.
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "tests/reliability/data/gamma_small_dispersion.json")
