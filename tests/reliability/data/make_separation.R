## Regenerates separation.json, R's answers for tests/reliability/test_separation.py:
##
##     Rscript tests/reliability/data/make_separation.R
##
## For each case: the data, R's model matrix / response / prior weights, R's glm()
## estimates and standard errors, and detectseparation's verdict (which MLEs are +Inf,
## -Inf, finite or NA), plus a battery of small random designs checked the same way.
##
## Requires jsonlite and detectseparation (>= 0.3; it ships the endometrial and lizards
## data).  detect_separation() is called with implementation = "lpSolveAPI", the port of
## Konis's safeBinaryRegression::separator (the primal "find" linear program); the ROI
## implementation solves the same LP with lp_solve.
## Made with R 4.2.2, detectseparation 0.3 and lpSolveAPI 5.5.2.0-17.15, both installed
## from their CRAN sources; ROI and ROI.plugin.lpsolve (not packaged for Debian) were
## dropped from detectseparation's Imports/NAMESPACE for that, which leaves the
## lpSolveAPI implementation used here untouched.

suppressMessages({library(jsonlite); library(detectseparation)})
options(warn = -1)
set.seed(20240607)

here <- function() {
    a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
    if (length(a)) dirname(normalizePath(sub("^--file=", "", a[1]))) else "."
}

dsep <- function(X, y, w, link = "logit") {
    r <- detect_separation(x = X, y = y, weights = w, family = binomial(link),
                           control = list(implementation = "lpSolveAPI"))
    b <- coefficients(r)
    list(separation = isTRUE(r$outcome), directions = as.list(ifelse(is.na(b), NA, sign(b))))
}

case <- function(data, formula, link = "logit", weights = NULL, py_formula = formula) {
    d <- data
    m <- if (is.null(weights)) glm(as.formula(formula), family = binomial(link), data = d)
         else glm(as.formula(formula), family = binomial(link), data = d, weights = d[[weights]])
    s <- summary(m)$coefficients
    se <- setNames(rep(NA_real_, length(coef(m))), names(coef(m)))
    se[rownames(s)] <- s[, 2]
    X <- model.matrix(m)
    c(list(data = as.list(d), formula = formula, py_formula = py_formula, link = link,
           weights = weights, colnames = colnames(X), X = unname(X), y = unname(m$y),
           prior_weights = unname(m$prior.weights),
           glm = list(coef = unname(coef(m)), se = unname(se), deviance = deviance(m),
                      iter = m$iter, converged = m$converged,
                      fitted_min = min(m$fitted.values), fitted_max = max(m$fitted.values))),
      dsep(X, m$y, m$prior.weights, link))
}

cases <- list()

## complete separation: y = x > 3
toy <- data.frame(x = 1:8, y = as.numeric(1:8 > 3))
for (link in c("logit", "probit", "cloglog")) cases[[paste0("complete_", link)]] <- case(toy, "y ~ x", link)

## quasi-complete: a 2x2 table with a zero cell, as counts and as 0/1 rows
tab <- data.frame(g = c("a", "b"), s = c(0, 7), f = c(10, 3))
cases$table_zero_cell_cbind <- case(tab, "cbind(s, f) ~ g")
long <- data.frame(g = rep(tab$g, tab$s + tab$f),
                   y = unlist(mapply(function(s, f) c(rep(1, s), rep(0, f)), tab$s, tab$f, SIMPLIFY = FALSE)))
cases$table_zero_cell_binary <- case(long, "y ~ g")
## the same with a third, unaffected level: only the zero-cell contrast and the intercept
tab3 <- data.frame(g = c("a", "b", "c"), s = c(4, 0, 5), f = c(6, 9, 2))
cases$factor_level_all_failures <- case(tab3, "cbind(s, f) ~ g")

## several variables, one infinite estimate: z is 1 only where y = 1
mv <- data.frame(x = round(rnorm(30), 2), u = round(runif(30), 2))
mv$y <- as.numeric(runif(30) < plogis(0.3 + mv$x))
mv$z <- 0; mv$z[which(mv$y == 1)[1:3]] <- 1
cases$one_infinite <- case(mv, "y ~ x + u + z")

## endometrial (Heinze & Schemper, 2002): NV separates quasi-completely
data("endometrial", package = "detectseparation")
for (link in c("logit", "probit", "cloglog")) cases[[paste0("endometrial_", link)]] <- case(endometrial, "HG ~ NV + PI + EH", link)
endo2 <- endometrial; endo2$NV2 <- 2 * endo2$NV
cases$endometrial_aliased <- case(endo2, "HG ~ NV + PI + EH + NV2")

## zero weights: the only row that overlaps has weight 0
zw <- data.frame(x = c(1:8, 10), y = c(as.numeric(1:8 > 3), 0), w = c(rep(1, 8), 0))
cases$zero_weight_separated <- case(zw, "y ~ x", weights = "w")
zw$w[9] <- 1
cases$zero_weight_restored <- case(zw, "y ~ x", weights = "w")

## fine models
data("lizards", package = "detectseparation")
liz <- data.frame(grahami = lizards$grahami, opalinus = lizards$opalinus,
                  tall = as.numeric(lizards$height == ">=5ft"), wide = as.numeric(lizards$diameter == ">2in"),
                  shady = as.numeric(lizards$light == "shady"), midday = as.numeric(lizards$time == "midday"),
                  late = as.numeric(lizards$time == "late"))
cases$lizards <- case(liz, "cbind(grahami, opalinus) ~ tall + wide + shady + midday + late")
cases$overlap <- case(data.frame(x = 1:8, y = c(0, 0, 1, 0, 1, 0, 1, 1)), "y ~ x")

## random small designs: integer covariates, some binary, some duplicated columns,
## some grouped responses and zero weights
random <- lapply(seq_len(150), function(k) {
    n <- sample(5:24, 1); p <- sample(1:4, 1)
    X <- matrix(sample(-2:2, n * p, replace = TRUE), n, p)
    if (k %% 4 == 0) X[, 1] <- sample(0:1, n, replace = TRUE)
    if (k %% 10 == 0 && p > 1) X[, p] <- X[, 1]
    X <- cbind(1, X)
    eta <- drop(X %*% rnorm(p + 1, sd = 1.5))
    if (k %% 3 == 0) {
        trials <- sample(1:4, n, replace = TRUE)
        y <- rbinom(n, trials, plogis(eta)) / trials; w <- trials
    } else {
        y <- as.numeric(runif(n) < plogis(eta)); w <- rep(1, n)
    }
    if (k %% 7 == 0) w[sample(n, 2)] <- 0
    c(list(X = unname(X), y = y, weights = w), dsep(X, y, w))
})

out <- list(generated_by = "tests/reliability/data/make_separation.R",
            r_version = R.version.string,
            detectseparation_version = as.character(packageVersion("detectseparation")),
            cases = cases, random = random)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", na = "null"),
           file.path(here(), "separation.json"))
