# Regenerates tests/data/r_hypothesis: Wald tests of linear restrictions (computed from vcov()
# directly, and by car::linearHypothesis) and likelihood-ratio tests (anova(m0, m1, test=)),
# the oracle of tests/test_hypothesis.py.  Run from the repository root:
#   Rscript tests/r/make_hypothesis_cases.R
suppressMessages({library(sandwich); library(car); library(jsonlite)})
invisible(Sys.setlocale("LC_COLLATE", "C"))
out <- "tests/data/r_hypothesis"
dir.create(out, recursive = TRUE, showWarnings = FALSE)

read_data <- function(name) read.csv(file.path("rglm/datasets", paste0(name, ".csv")), stringsAsFactors = TRUE)
num <- function(x) { x <- unname(as.numeric(x)); x[!is.finite(x)] <- NA; x }

fit <- function(spec) {
  d <- read_data(spec$data)
  eval(parse(text = paste0("glm(", spec$rformula, ", family = ", spec$family, ", data = d)")))
}

vcov_of <- function(m, how) {
  switch(how$kind,
         model = vcov(m),
         hc = vcovHC(m, type = how$type),
         cluster = vcovCL(m, cluster = as.formula(paste("~", how$by)), type = how$type))
}

# L is given by coefficient name: a list of named coefficient vectors, one per restriction.
wald_case <- function(id, spec, rows, q, pytext, how = list(kind = "model"), car_text = NULL) {
  m <- fit(spec)
  cf <- coef(m)
  ok <- !is.na(cf)
  L <- t(sapply(rows, function(r) { v <- setNames(numeric(length(cf)), names(cf)); v[names(r)] <- r; v }))
  if (length(rows) == 1) L <- matrix(L, nrow = 1, dimnames = list(NULL, names(cf)))
  V <- vcov_of(m, how)
  if (nrow(V) == length(cf)) V <- V[ok, ok, drop = FALSE]  # vcov() pads aliased terms with NA
  Lk <- L[, ok, drop = FALSE]
  d <- drop(Lk %*% cf[ok]) - q
  S <- Lk %*% V %*% t(Lk)
  W <- drop(t(d) %*% solve(S, d))
  r <- nrow(L)
  estimated <- !(m$family$family %in% c("binomial", "poisson"))
  dfr <- m$df.residual
  se <- sqrt(diag(S))
  est <- drop(Lk %*% cf[ok])
  stat <- (est - q) / se
  crit <- if (estimated) qt(0.975, dfr) else qnorm(0.975)
  ref <- list(
    coef_names = names(cf), L = unname(L), q = q, wald = W, df = r,
    chisq_p = pchisq(W, r, lower.tail = FALSE), f = W / r, f_p = pf(W / r, r, dfr, lower.tail = FALSE),
    df_residual = dfr, use_f = estimated,
    t_estimate = num(est), t_se = num(se), t_stat = num(stat),
    t_p = num(if (estimated) 2 * pt(-abs(stat), dfr) else 2 * pnorm(-abs(stat))),
    t_low = num(est - crit * se), t_high = num(est + crit * se))
  if (!is.null(car_text)) {
    # car::linearHypothesis as a second opinion: its chi-square and F forms.
    lh_c <- linearHypothesis(m, car_text, vcov. = V, test = "Chisq")
    lh_f <- linearHypothesis(m, car_text, vcov. = V, test = "F")
    ref$car <- list(chisq = lh_c[2, "Chisq"], chisq_p = lh_c[2, "Pr(>Chisq)"], f = lh_f[2, "F"],
                    f_p = lh_f[2, "Pr(>F)"], f_df_denom = lh_f[2, "Res.Df"])
  }
  py <- c(spec[c("data", "formula", "pyfamily", "link")], list(hypothesis = pytext, cov = how))
  writeLines(toJSON(list(id = id, kind = "wald", r = ref, python = py), auto_unbox = TRUE, digits = NA,
                    null = "null", na = "null", pretty = TRUE), file.path(out, paste0(id, ".json")))
  cat(sprintf("%-34s W=%-12.6g r=%d\n", id, W, r))
}

lr_case <- function(id, small, big, tests) {
  m0 <- fit(small); m1 <- fit(big)
  res <- list()
  for (tst in tests) {
    a <- suppressWarnings(anova(m0, m1, test = tst))
    row <- list(df = a[2, "Df"], deviance = a[2, "Deviance"])
    if (tst == "F") { row$f <- a[2, "F"]; row$p <- a[2, "Pr(>F)"] } else row$p <- a[2, "Pr(>Chi)"]
    row$dispersion <- summary(m1)$dispersion
    res[[tst]] <- row
  }
  py <- list(small = small[c("data", "formula", "pyfamily", "link")], big = big[c("data", "formula", "pyfamily", "link")])
  writeLines(toJSON(list(id = id, kind = "lr", r = res, python = py), auto_unbox = TRUE, digits = NA,
                    null = "null", na = "null", pretty = TRUE), file.path(out, paste0(id, ".json")))
  cat(sprintf("%-34s %s\n", id, paste(names(res), collapse = ",")))
}

spec <- function(data, rformula, formula, family, pyfamily, link = NULL)
  list(data = data, rformula = rformula, formula = formula, family = family, pyfamily = pyfamily, link = link)

mt <- spec("mtcars", "mpg ~ wt + hp + factor(cyl)", "mpg ~ wt + hp + C(cyl)", "gaussian()", "Gaussian")
wald_case("mtcars_gaussian_factor", mt, list(c("factor(cyl)6" = 1, "factor(cyl)8" = -1), c(wt = 1)), c(0, 0),
          "C(cyl)[T.6] = C(cyl)[T.8], wt = 0", car_text = c("factor(cyl)6 = factor(cyl)8", "wt = 0"))
wald_case("mtcars_gaussian_offset_q", mt, list(c(wt = 2, hp = -1)), 1, "2*wt - hp = 1",
          car_text = "2*wt - hp = 1")
wald_case("mtcars_gaussian_cluster", mt, list(c(wt = 1), c(hp = 1)), c(0, 0), "wt = 0, hp = 0",
          how = list(kind = "cluster", by = "gear", type = "HC1"), car_text = c("wt = 0", "hp = 0"))
wald_case("mtcars_gaussian_hc3", mt, list(c("factor(cyl)6" = 1), c("factor(cyl)8" = 1)), c(0, 0),
          "`C(cyl)[T.6]` = 0, `C(cyl)[T.8]` = 0", how = list(kind = "hc", type = "HC3"))

inf <- spec("infert", "case ~ spontaneous + induced + age + education", "case ~ spontaneous + induced + age + education",
            "binomial()", "Binomial")
wald_case("infert_logit", inf, list(c(spontaneous = 1, induced = -1), c(age = 1)), c(0, 0),
          "spontaneous = induced, age = 0", car_text = c("spontaneous = induced", "age = 0"))
wald_case("infert_logit_education", inf, list(c("education6-11yrs" = 1), c("education12+ yrs" = 1)), c(0, 0),
          "education[T.6-11yrs] = 0, education[T.12+ yrs] = 0")
wald_case("infert_logit_hc0", inf, list(c(spontaneous = 1, induced = 1)), 3, "spontaneous + induced = 3",
          how = list(kind = "hc", type = "HC0"))

ins <- spec("insurance", "Claims ~ Group + Age + offset(log(Holders))", "Claims ~ Group + Age + offset(log(Holders))",
            "poisson()", "Poisson")
wald_case("insurance_poisson_offset", ins, list(c("Age<25" = 1, "Age30-35" = -1), c("Age>35" = 2, "Group>2l" = -1)),
          c(0, 0.5), "Age[T.<25] - Age[T.30-35] = 0; 2*`Age[T.>35]` - Group[T.>2l] = 0.5")

qn <- spec("quine", "Days ~ Eth + Sex + Age + Lrn", "Days ~ Eth + Sex + Age + Lrn", "quasipoisson()", "QuasiPoisson")
wald_case("quine_quasipoisson", qn, list(c(AgeF1 = 1, AgeF2 = -1), c(AgeF2 = 1, AgeF3 = -1), c(SexM = 1)), c(0, 0, 0),
          "Age[T.F1] = Age[T.F2], Age[T.F2] = Age[T.F3], Sex[T.M] = 0")

tr <- spec("trees", "Volume ~ log(Girth) + log(Height)", "Volume ~ log(Girth) + log(Height)", 'Gamma(link = "log")',
           "Gamma", link = "log")
wald_case("trees_gamma_log", tr, list(c("log(Girth)" = 1, "log(Height)" = -2)), -0.5,
          "log(Girth) - 2*log(Height) = -0.5")

al <- spec("mtcars", "mpg ~ wt + wt2 + hp", "mpg ~ wt + wt2 + hp", "gaussian()", "Gaussian")
wald_case("mtcars_aliased", al, list(c(wt = 1, hp = 10)), 0, "wt + 10*hp = 0")

lr_case("infert_logit_lr", spec("infert", "case ~ age", "case ~ age", "binomial()", "Binomial"), inf, c("Chisq", "F"))
lr_case("mtcars_gaussian_lr", spec("mtcars", "mpg ~ wt", "mpg ~ wt", "gaussian()", "Gaussian"), mt, c("Chisq", "F"))
lr_case("quine_quasipoisson_lr", spec("quine", "Days ~ Eth + Sex", "Days ~ Eth + Sex", "quasipoisson()", "QuasiPoisson"),
        qn, c("Chisq", "F"))
lr_case("trees_gamma_lr", spec("trees", "Volume ~ log(Girth)", "Volume ~ log(Girth)", 'Gamma(link = "log")', "Gamma",
                               link = "log"), tr, c("Chisq", "F"))
lr_case("insurance_poisson_lr", spec("insurance", "Claims ~ Age + offset(log(Holders))",
                                     "Claims ~ Age + offset(log(Holders))", "poisson()", "Poisson"), ins, c("Chisq", "F"))
