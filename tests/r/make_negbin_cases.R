# Regenerates tests/data/r_negbin: MASS::glm.nb fits and anova.negbin tables for rglm's tests.
# Run from the repository root: Rscript tests/r/make_negbin_cases.R
# Each case gets a JSON file with R's numbers and the rglm call that should reproduce them.
# (An offset= argument to glm.nb needs an explicit control=: the default glm.control(...) would
# receive the offset through the dots.)
# Bundled datasets are read from tests/data/r_cases/data; derived ones are written to
# tests/data/r_negbin/data.
suppressMessages({library(MASS); library(jsonlite)})
invisible(Sys.setlocale("LC_COLLATE", "C"))
out <- "tests/data/r_negbin"
shared <- "tests/data/r_cases/data"
dir.create(file.path(out, "cases"), recursive = TRUE, showWarnings = FALSE)
dir.create(file.path(out, "data"), recursive = TRUE, showWarnings = FALSE)

# Derived data: quine with prior weights (some zero), and Poisson counts without over-dispersion.
quine <- read.csv(file.path(shared, "quine.csv"), stringsAsFactors = TRUE)
quine$w <- rep(c(1, 2, 0.5, 3, 0, 1.5), length.out = nrow(quine))
write.csv(quine, file.path(out, "data", "quine_w.csv"), row.names = FALSE)
set.seed(20240611)
pois <- data.frame(x = round(runif(120, 0, 2), 4), g = factor(rep(c("a", "b", "c"), 40)))
pois$y <- rpois(120, exp(0.5 + 0.8 * pois$x + (pois$g == "b") * 0.3))
write.csv(pois, file.path(out, "data", "poisson_like.csv"), row.names = FALSE)
ships <- read.csv(file.path(shared, "ships.csv"), stringsAsFactors = TRUE)
ships <- ships[ships$service > 0, ]
ships$logS <- log(ships$service)
write.csv(ships, file.path(out, "data", "ships_pos.csv"), row.names = FALSE)

path_of <- function(data) {
  if (file.exists(file.path(out, "data", paste0(data, ".csv")))) paste0("r_negbin/data/", data, ".csv")
  else paste0("r_cases/data/", data, ".csv")
}
read_data <- function(data) read.csv(file.path("tests/data", path_of(data)), stringsAsFactors = TRUE)
num <- function(x) { x <- unname(as.numeric(x)); x[!is.finite(x)] <- NA; x }
capture_warnings <- function(expr) {
  warns <- character()
  value <- withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  list(value = value, warnings = warns)
}

# One glm.nb fit.  `rargs` is the R text after the formula and data; `py` the rglm call.
make_case <- function(id, data, rformula, pyformula, rargs = "", link = NULL, init_theta = NULL,
                      weights = NULL, offset = NULL, subset = NULL, na_action = NULL, max_iter = NULL) {
  d <- read_data(data)
  call_txt <- paste0("glm.nb(", rformula, ", data = d", rargs, ")")
  res <- capture_warnings(eval(parse(text = call_txt)))
  m <- res$value
  s <- summary(m)
  cf <- coef(m); tab <- s$coefficients
  se <- rep(NA_real_, length(cf)); names(se) <- names(cf); st <- se; pv <- se
  se[rownames(tab)] <- tab[, 2]; st[rownames(tab)] <- tab[, 3]; pv[rownames(tab)] <- tab[, 4]
  keep <- if (is.null(subset)) rep(TRUE, nrow(d)) else with(d, eval(parse(text = subset)))
  rows <- which(keep & !is.na(predict(m, newdata = d)))[1:5]
  nd <- d[rows, , drop = FALSE]
  pl <- predict(m, newdata = nd, type = "link", se.fit = TRUE)
  pr <- predict(m, newdata = nd, type = "response", se.fit = TRUE)
  ci <- confint.default(m)
  ref <- list(
    call = call_txt, warnings = res$warnings,
    coef_names = names(cf), coef = num(cf), se = num(se), stat = num(st), p = num(pv),
    aliased = unname(is.na(cf)), stat_name = colnames(tab)[3],
    deviance = deviance(m), null_deviance = m$null.deviance, df_residual = m$df.residual, df_null = m$df.null,
    aic = AIC(m), bic = BIC(m), loglik = as.numeric(logLik(m)), loglik_df = attr(logLik(m), "df"),
    dispersion = s$dispersion, iter = m$iter, converged = m$converged, nobs = nobs(m),
    theta = m$theta, se_theta = m$SE.theta, twologlik = m$twologlik,
    th_warn = if (is.null(m$th.warn)) NULL else m$th.warn,
    family_name = m$family$family,
    family_theta = get(".Theta", environment(m$family$variance)),
    fitted = num(fitted(m)), linear_predictors = num(predict(m, type = "link")),
    resid_deviance = num(residuals(m, "deviance")), resid_pearson = num(residuals(m, "pearson")),
    resid_working = num(residuals(m, "working")), resid_response = num(residuals(m, "response")),
    predict_rows = rows - 1,
    predict_link = num(pl$fit), predict_link_se = num(pl$se.fit),
    predict_response = num(pr$fit), predict_response_se = num(pr$se.fit),
    vcov = unname(vcov(m)),
    confint_wald = list(lower = num(ci[, 1]), upper = num(ci[, 2])),
    summary_text = paste(capture.output(print(s)), collapse = "\n")
  )
  py <- list(formula = pyformula, link = link, init_theta = init_theta, weights = weights, offset = offset,
             subset = subset, na_action = na_action, max_iter = max_iter, data = path_of(data))
  writeLines(toJSON(list(id = id, r = ref, python = py), auto_unbox = TRUE, digits = NA,
                    null = "null", na = "null", pretty = TRUE),
             file.path(out, "cases", paste0(id, ".json")))
  cat(sprintf("%-28s theta=%-12.6g se=%-10.4g 2ll=%-12.6g iter=%d warn=%d\n", id, m$theta, m$SE.theta,
              m$twologlik, m$iter, length(res$warnings)))
  invisible(m)
}

make_case("quine_main", "quine", "Days ~ Eth + Sex + Age + Lrn", "Days ~ Eth + Sex + Age + Lrn")
make_case("quine_interaction", "quine", "Days ~ Eth * Lrn + Age", "Days ~ Eth * Lrn + Age")
make_case("quine_sex_age", "quine", "Days ~ Sex * Age", "Days ~ Sex * Age")
make_case("quine_sqrt", "quine", "Days ~ Eth + Sex + Age + Lrn", "Days ~ Eth + Sex + Age + Lrn",
          ", link = sqrt", link = "sqrt")
make_case("quine_identity", "quine", "Days ~ Eth + Lrn", "Days ~ Eth + Lrn", ", link = identity", link = "identity")
make_case("quine_init_theta", "quine", "Days ~ Eth + Sex + Age", "Days ~ Eth + Sex + Age",
          ", init.theta = 3", init_theta = 3)
make_case("quine_weights", "quine_w", "Days ~ Eth + Age + Lrn", "Days ~ Eth + Age + Lrn",
          ", weights = w", weights = "w")
make_case("quine_subset", "quine", "Days ~ Eth + Sex + Lrn", "Days ~ Eth + Sex + Lrn",
          ", subset = Age != \"F3\"", subset = "Age != \"F3\"")
make_case("quine_no_intercept", "quine", "Days ~ Eth + Sex - 1", "Days ~ Eth + Sex - 1")
make_case("quine_maxit3", "quine", "Days ~ Eth + Sex + Age + Lrn", "Days ~ Eth + Sex + Age + Lrn",
          ", control = glm.control(maxit = 3)", max_iter = 3)
make_case("warpbreaks_interaction", "warpbreaks", "breaks ~ wool * tension", "breaks ~ wool * tension")
make_case("insurance_offset_formula", "insurance", "Claims ~ factor(District) + Group + Age + offset(log(Holders))",
          "Claims ~ C(District) + Group + Age + offset(log(Holders))")
make_case("ships_offset_subset", "ships", "incidents ~ type + factor(period) + offset(log(service))",
          "incidents ~ type + C(period) + offset(log(service))", ", subset = service > 0", subset = "service > 0")
make_case("ships_offset_arg_noint", "ships_pos", "incidents ~ type + factor(period) - 1",
          "incidents ~ type + C(period) - 1", ", offset = logS, control = glm.control()", offset = "logS")
make_case("airquality_na_exclude", "airquality", "Ozone ~ Temp + Wind", "Ozone ~ Temp + Wind",
          ", na.action = na.exclude", na_action = "exclude")
make_case("insectsprays", "insectsprays", "count ~ spray", "count ~ spray")
make_case("poisson_like", "poisson_like", "y ~ x + g", "y ~ x + g")

# anova.negbin: models given out of order (MASS sorts them by residual df).
anova_case <- function(id, data, rformulas, pyformulas) {
  d <- read_data(data)
  ms <- lapply(rformulas, function(f) glm.nb(as.formula(f), data = d))
  a <- do.call(anova, ms)
  ref <- list(model = as.character(a$Model), theta = num(a$theta), resid_df = num(a[["Resid. df"]]),
              twologlik = num(a[["   2 x log-lik."]]), test = as.character(a$Test), df = num(a[["   df"]]),
              lr = num(a[["LR stat."]]), p = num(a[["Pr(Chi)"]]), heading = attr(a, "heading"))
  writeLines(toJSON(list(id = id, r = ref, python = list(formulas = pyformulas, data = path_of(data))),
                    auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
             file.path(out, "cases", paste0("anova_", id, ".json")))
  cat(sprintf("anova_%-22s rows=%d\n", id, nrow(a)))
}
anova_case("quine", "quine", c("Days ~ Eth + Age", "Days ~ Eth", "Days ~ Eth + Sex + Age + Lrn"),
           c("Days ~ Eth + Age", "Days ~ Eth", "Days ~ Eth + Sex + Age + Lrn"))
anova_case("warpbreaks", "warpbreaks", c("breaks ~ wool", "breaks ~ wool * tension"),
           c("breaks ~ wool", "breaks ~ wool * tension"))

# MASS's trace messages (control$trace = 3: alternations, initial theta and theta.ml's steps).
d <- read_data("quine")
msgs <- character()
invisible(withCallingHandlers(
  capture.output(glm.nb(Days ~ Eth + Sex + Age + Lrn, data = d, control = glm.control(trace = 3))),
  message = function(m) { msgs <<- c(msgs, sub("\n$", "", conditionMessage(m))); invokeRestart("muffleMessage") }))
writeLines(toJSON(list(id = "trace_quine", r = list(messages = msgs),
                       python = list(formula = "Days ~ Eth + Sex + Age + Lrn", data = path_of("quine"), trace = 3)),
                  auto_unbox = TRUE, pretty = TRUE),
           file.path(out, "cases", "trace_quine.json"))
cat(sprintf("trace_quine                  messages=%d\n", length(msgs)))
