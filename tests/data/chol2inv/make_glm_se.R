# A Poisson and a binomial GLM on data written as hex floats (so both sides read the same
# doubles), with R's coefficients and standard errors as hex floats.
# Rscript make_glm_se.R  ->  glm_se.json
library(jsonlite)
set.seed(4)
n <- 400
d <- data.frame(x1 = rnorm(n), x2 = runif(n), x3 = rnorm(n, 5, 3), g = sample(letters[1:12], n, TRUE))
eta <- 0.3 * d$x1 - 0.5 * d$x2 + 0.05 * d$x3 + rnorm(12, 0, 0.3)[factor(d$g)]
d$y <- rpois(n, exp(eta)); d$b <- rbinom(n, 1, plogis(eta))
out <- list(data = list(x1 = sprintf("%a", d$x1), x2 = sprintf("%a", d$x2), x3 = sprintf("%a", d$x3),
                        g = d$g, y = d$y, b = d$b))
d$g <- factor(d$g)
for (fam in c("poisson", "binomial")) {
  f <- if (fam == "poisson") y ~ x1 + x2 + x3 + g else b ~ x1 * x2 + x3 + g
  s <- coef(summary(glm(f, family = fam, data = d)))
  out[[fam]] <- list(formula = deparse(f), coef = sprintf("%a", s[, 1]), se = sprintf("%a", s[, 2]))
}
writeLines(toJSON(out, auto_unbox = TRUE), "glm_se.json")
