# Regenerates tests/data/r_anova: R's anova.glm, anova.glmlist, drop1.glm, add1.glm and step
# for rglm's tests of rglm.anova, rglm.drop1, rglm.add1 and rglm.step.
# Run from the repository root: Rscript tests/r/make_anova_cases.R
# Each case is a JSON file with the models (R and rglm spellings), the call's arguments and what R
# returned and printed.  Factor columns are written as text (e.g. cylf = "c4") so that R's and
# rglm's term labels, and so the printed tables, are spelled alike.
suppressMessages({library(MASS); library(jsonlite)})
invisible(Sys.setlocale("LC_COLLATE", "C"))
options(width = 80, digits = 7)
out <- "tests/data/r_anova"
src <- "rglm/datasets"
dir.create(file.path(out, "cases"), recursive = TRUE, showWarnings = FALSE)
dir.create(file.path(out, "data"), recursive = TRUE, showWarnings = FALSE)

load_src <- function(n) read.csv(file.path(src, paste0(n, ".csv")), stringsAsFactors = FALSE)
prepared <- list()
prepared$mtcars <- within(load_src("mtcars"), cylf <- paste0("c", cyl))
prepared$budworm <- load_src("budworm")
prepared$infert <- load_src("infert")
prepared$insurance <- within(load_src("insurance"), { Districtf <- paste0("d", District); logH <- log(Holders) })
prepared$trees <- load_src("trees")
prepared$clotting <- load_src("clotting")
prepared$warpbreaks <- load_src("warpbreaks")
prepared$titanic <- load_src("titanic")
prepared$quine <- load_src("quine")
prepared$dobson <- load_src("dobson")
prepared$esoph <- load_src("esoph")
for (n in names(prepared)) write.csv(prepared[[n]], file.path(out, "data", paste0(n, ".csv")), row.names = FALSE)
read_data <- function(n) read.csv(file.path(out, "data", paste0(n, ".csv")), stringsAsFactors = TRUE)

num <- function(x) { x <- unname(as.numeric(x)); x[is.na(x) & !is.nan(x)] <- NA; x }

# A model: R formula, rglm formula (the same unless given), family call and rglm family.
model <- function(data, r, family = "gaussian()", py_family = "Gaussian", py = r, link = NULL,
                  family_args = NULL, weights = NULL, offset = NULL, nb = FALSE) {
  list(data = data, r = r, py = py, family = family, py_family = py_family, link = link,
       family_args = family_args, weights = weights, offset = offset, nb = nb)
}

fit_model <- function(spec, env) {
  d <- read_data(spec$data)
  assign("d", d, envir = env)
  txt <- if (spec$nb) paste0("glm.nb(", spec$r, ", data = d)") else
    paste0("glm(", spec$r, ", family = ", spec$family, ", data = d",
           if (!is.null(spec$weights)) paste0(", weights = ", spec$weights) else "",
           if (!is.null(spec$offset)) paste0(", offset = ", spec$offset) else "", ")")
  suppressWarnings(eval(parse(text = txt), env))
}

table_json <- function(a) {
  cols <- lapply(as.list(a), function(v) I(if (is.numeric(v)) num(v) else as.character(v)))
  list(rownames = I(rownames(a)), colnames = I(colnames(a)), columns = cols,
       printed = paste(capture.output(print(a)), collapse = "\n"))
}

# Runs expr, returning its value, the warnings it gave and what it printed.
capture <- function(expr) {
  warns <- character()
  printed <- capture.output(value <- withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning")
  }))
  list(value = value, warnings = I(warns), printed = paste(printed, collapse = "\n"))
}

py_spec <- function(spec, m) {
  fam <- list(formula = spec$py, family = spec$py_family, link = spec$link, family_args = spec$family_args,
              weights = spec$weights, offset = spec$offset, data = paste0("data/", spec$data, ".csv"))
  if (spec$nb) { fam$family <- "NegativeBinomial"; fam$family_args <- list(theta = m$theta); fam$dispersion <- 1 }
  fam
}

write_case <- function(id, kind, specs, results, args = list(), exact_print = TRUE, extra = list()) {
  env <- new.env()
  ms <- lapply(specs, fit_model, env = env)
  if (!length(args)) args <- setNames(list(), character())
  case <- c(list(id = id, kind = kind, exact_print = exact_print, args = args,
                 models = Map(py_spec, specs, ms), r = results), extra)
  writeLines(toJSON(case, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
             file.path(out, "cases", paste0(id, ".json")))
  cat(sprintf("%-34s %s\n", id, kind))
}

# -- anova: one model, each test ---------------------------------------------------------------
anova_case <- function(id, spec, tests, dispersion = NULL, exact_print = TRUE) {
  env <- environment()
  m <- fit_model(spec, env)
  res <- list()
  for (t in tests) {
    r <- capture(if (is.null(dispersion)) anova(m, test = if (t == "none") NULL else t)
                 else anova(m, test = if (t == "none") NULL else t, dispersion = dispersion))
    res[[t]] <- c(table_json(r$value), list(warnings = r$warnings))
  }
  extra <- if (spec$nb) list(theta = m$theta) else list()
  write_case(id, "anova", list(spec), res, args = list(dispersion = dispersion), exact_print = exact_print,
             extra = extra)
}

anova_case("anova_gaussian", model("mtcars", "mpg ~ wt + hp + cylf + disp"), c("F", "Chisq", "Rao", "Cp", "none"))
anova_case("anova_binomial_cbind", model("budworm", "cbind(numdead, numalive) ~ sex * ldose", "binomial()", "Binomial"),
           c("Chisq", "Rao", "Cp", "F"))
anova_case("anova_binomial_01", model("infert", "case ~ spontaneous + induced + age", "binomial()", "Binomial"),
           c("Chisq", "Rao", "F"))
anova_case("anova_poisson_offset", model("insurance", "Claims ~ Districtf + Group + Age + offset(log(Holders))",
                                         "poisson()", "Poisson"), c("Chisq", "Rao", "Cp", "F"))
anova_case("anova_poisson_offset_arg", model("insurance", "Claims ~ Group + Age", "poisson()", "Poisson", offset = "logH"),
           c("Chisq", "Rao"))
anova_case("anova_gamma_log", model("trees", "Volume ~ log(Girth) + log(Height)", 'Gamma(link = "log")', "Gamma", link = "log"),
           c("F", "Chisq", "Rao", "Cp"))
anova_case("anova_gamma_one_term", model("clotting", "lot1 ~ log(u)", "Gamma()", "Gamma"), c("F", "Chisq", "Rao"))
anova_case("anova_quasipoisson", model("warpbreaks", "breaks ~ wool * tension", "quasipoisson()", "QuasiPoisson"),
           c("F", "Chisq", "Rao", "Cp"))
anova_case("anova_quasibinomial", model("budworm", "cbind(numdead, numalive) ~ sex + ldose", "quasibinomial()", "QuasiBinomial"),
           c("F", "Rao"))
anova_case("anova_invgauss", model("trees", "Volume ~ Girth + Height", 'inverse.gaussian(link = "log")', "InverseGaussian",
                                   link = "log"), c("F", "Chisq"))
anova_case("anova_aliased_gaussian", model("mtcars", "mpg ~ wt + wt2 + hp"), c("F", "Chisq", "Rao"))
anova_case("anova_aliased_binomial", model("budworm", "cbind(numdead, numalive) ~ sex + total + ldose", "binomial()", "Binomial"),
           c("Chisq", "Rao"))
anova_case("anova_weights_zero", model("titanic", "Survived ~ Class + Sex + Age", "binomial()", "Binomial", weights = "Freq"),
           c("Chisq", "Rao", "Cp"))
anova_case("anova_gaussian_weights", model("mtcars", "mpg ~ hp + disp", weights = "carb"), c("F", "Rao"))
anova_case("anova_null_model", model("mtcars", "mpg ~ 1"), c("F", "Chisq"))
anova_case("anova_null_poisson", model("dobson", "counts ~ 1", "poisson()", "Poisson"), c("Chisq"))
anova_case("anova_no_intercept", model("mtcars", "mpg ~ wt + hp - 1"), c("F", "Rao", "Chisq"))
anova_case("anova_fixed_dispersion", model("trees", "Volume ~ log(Girth) + log(Height)", 'Gamma(link = "log")', "Gamma",
                                           link = "log"), c("F", "Chisq"), dispersion = 0.01)
anova_case("anova_negbin_fixed_theta", model("quine", "Days ~ Eth + Sex + Age + Lrn", "negative.binomial(theta = 1.25)",
                                             "NegativeBinomial", family_args = list(theta = 1.25)), c("Chisq", "F"))
anova_case("anova_negbin_estimated", model("quine", "Days ~ Eth + Sex + Age + Lrn", nb = TRUE), c("Chisq"))
anova_case("anova_factor_spelling", model("dobson", "counts ~ factor(outcome) + factor(treatment)", "poisson()", "Poisson",
                                          py = "counts ~ C(outcome) + C(treatment)"), c("Chisq", "Rao"), exact_print = FALSE)

# -- anova: several models -----------------------------------------------------------------------
anova_list_case <- function(id, specs, tests) {
  env <- environment()
  ms <- lapply(specs, fit_model, env = env)
  res <- list()
  for (t in tests) {
    r <- capture(do.call(anova, c(ms, list(test = if (t == "none") NULL else t))))
    res[[t]] <- c(table_json(r$value), list(warnings = r$warnings))
  }
  write_case(id, "anova_multi", specs, res)
}

anova_list_case("multi_binomial", list(model("mtcars", "am ~ wt + hp", "binomial()", "Binomial"),
                                       model("mtcars", "am ~ wt", "binomial()", "Binomial")), c("Chisq", "Rao", "F"))
anova_list_case("multi_binomial_increasing", list(model("mtcars", "am ~ wt", "binomial()", "Binomial"),
                                                  model("mtcars", "am ~ wt + hp", "binomial()", "Binomial")), c("Chisq", "Rao"))
anova_list_case("multi_gaussian", list(model("mtcars", "mpg ~ wt"), model("mtcars", "mpg ~ wt + hp"),
                                       model("mtcars", "mpg ~ wt + hp + cylf")), c("F", "Chisq", "Cp", "Rao"))
anova_list_case("multi_poisson_offset", list(model("insurance", "Claims ~ Group + offset(log(Holders))", "poisson()", "Poisson"),
                                             model("insurance", "Claims ~ Group + Age + offset(log(Holders))", "poisson()", "Poisson")),
                c("Chisq", "Rao"))
anova_list_case("multi_quasipoisson", list(model("warpbreaks", "breaks ~ wool", "quasipoisson()", "QuasiPoisson"),
                                           model("warpbreaks", "breaks ~ wool + tension", "quasipoisson()", "QuasiPoisson"),
                                           model("warpbreaks", "breaks ~ wool * tension", "quasipoisson()", "QuasiPoisson")),
                c("F", "Chisq"))
anova_list_case("multi_weights_zero", list(model("titanic", "Survived ~ Class", "binomial()", "Binomial", weights = "Freq"),
                                           model("titanic", "Survived ~ Class + Sex + Age", "binomial()", "Binomial", weights = "Freq")),
                c("Chisq", "Rao"))
anova_list_case("multi_long_formula", list(model("mtcars", "mpg ~ wt + hp"),
                                           model("mtcars", "mpg ~ wt + hp + cylf + disp + qsec + drat + gear + carb + vs + am + wt:hp")),
                c("F"))
anova_list_case("multi_same_df", list(model("mtcars", "mpg ~ wt"), model("mtcars", "mpg ~ hp")), c("F", "Chisq"))

# -- drop1 -------------------------------------------------------------------------------------------
drop1_case <- function(id, spec, tests, scope = NULL, py_scope = scope, k = 2, scale = 0, exact_print = TRUE) {
  env <- environment()
  m <- fit_model(spec, env)
  res <- list()
  for (t in tests) {
    r <- capture(if (is.null(scope)) drop1(m, test = t, k = k, scale = scale)
                 else drop1(m, scope = as.formula(scope), test = t, k = k, scale = scale))
    res[[t]] <- c(table_json(r$value), list(warnings = r$warnings))
  }
  write_case(id, "drop1", list(spec), res, args = list(scope = py_scope, k = k, scale = scale), exact_print = exact_print)
}

drop1_case("drop1_poisson_factor", model("dobson", "counts ~ factor(outcome) + factor(treatment)", "poisson()", "Poisson",
                                          py = "counts ~ C(outcome) + C(treatment)"), c("none", "Chisq", "F", "Rao"),
           exact_print = FALSE)
drop1_case("drop1_gaussian", model("mtcars", "mpg ~ wt + hp + cylf + disp"), c("none", "Chisq", "F", "Rao"))
drop1_case("drop1_gaussian_scale", model("mtcars", "mpg ~ wt + hp + cylf + disp"), c("none", "Chisq", "F"), scale = 6)
drop1_case("drop1_gaussian_bic", model("mtcars", "mpg ~ wt + hp + cylf + disp"), c("none", "Chisq"), k = log(32))
drop1_case("drop1_gaussian_weights", model("mtcars", "mpg ~ hp + disp + wt", weights = "carb"), c("Chisq", "F", "Rao"))
drop1_case("drop1_binomial_interaction", model("budworm", "cbind(numdead, numalive) ~ sex * ldose", "binomial()", "Binomial"),
           c("Chisq", "Rao", "F"))
drop1_case("drop1_binomial_main", model("budworm", "cbind(numdead, numalive) ~ sex + ldose", "binomial()", "Binomial"),
           c("Chisq", "Rao"))
drop1_case("drop1_poisson_offset", model("insurance", "Claims ~ Districtf + Group + Age + offset(log(Holders))",
                                         "poisson()", "Poisson"), c("Chisq", "Rao", "F"))
drop1_case("drop1_poisson_offset_arg", model("insurance", "Claims ~ Group + Age", "poisson()", "Poisson", offset = "logH"),
           c("Chisq", "Rao"))
drop1_case("drop1_quasipoisson", model("warpbreaks", "breaks ~ wool + tension", "quasipoisson()", "QuasiPoisson"),
           c("none", "F", "Chisq", "Rao"))
drop1_case("drop1_gamma", model("trees", "Volume ~ log(Girth) + log(Height)", 'Gamma(link = "log")', "Gamma", link = "log"),
           c("Chisq", "F", "Rao"))
drop1_case("drop1_weights_zero", model("titanic", "Survived ~ Class + Sex + Age", "binomial()", "Binomial", weights = "Freq"),
           c("Chisq", "Rao"))
drop1_case("drop1_aliased", model("mtcars", "mpg ~ wt + wt2 + hp"), c("Chisq", "F"))
drop1_case("drop1_scope", model("mtcars", "mpg ~ wt + hp + cylf + disp"), c("Chisq"), scope = "~ hp + disp")
drop1_case("drop1_negbin_fixed_theta", model("quine", "Days ~ Eth + Sex + Age + Lrn", "negative.binomial(theta = 1.25)",
                                             "NegativeBinomial", family_args = list(theta = 1.25)), c("Chisq"))

# -- add1 --------------------------------------------------------------------------------------------
add1_case <- function(id, spec, scope, tests, py_scope = scope, k = 2) {
  env <- environment()
  m <- fit_model(spec, env)
  res <- list()
  sc <- if (length(scope) == 1 && grepl("~", scope)) as.formula(scope) else scope
  for (t in tests) {
    r <- capture(add1(m, sc, test = t, k = k))
    res[[t]] <- c(table_json(r$value), list(warnings = r$warnings))
  }
  write_case(id, "add1", list(spec), res, args = list(scope = py_scope, k = k))
}

add1_case("add1_gaussian", model("mtcars", "mpg ~ wt"), "~ . + hp + cylf + disp + wt:hp", c("none", "Chisq", "F", "Rao"))
add1_case("add1_gaussian_bic", model("mtcars", "mpg ~ wt + hp"), "~ . + cylf + wt:hp", c("none", "Chisq"), k = log(32))
add1_case("add1_gaussian_list", model("mtcars", "mpg ~ wt"), c("hp", "disp"), c("Chisq"))
add1_case("add1_binomial_interaction", model("budworm", "cbind(numdead, numalive) ~ sex + ldose", "binomial()", "Binomial"),
          "~ . + sex:ldose", c("Chisq", "F", "Rao"))
add1_case("add1_binomial_01", model("infert", "case ~ spontaneous", "binomial()", "Binomial"),
          "~ . + induced + age + education", c("Chisq", "Rao"))
add1_case("add1_poisson_offset", model("insurance", "Claims ~ Group + offset(log(Holders))", "poisson()", "Poisson"),
          "~ . + Age + Districtf", c("Chisq", "Rao", "F"))
add1_case("add1_quasipoisson", model("warpbreaks", "breaks ~ wool", "quasipoisson()", "QuasiPoisson"),
          "~ . + tension + wool:tension", c("F", "Chisq", "Rao"))
add1_case("add1_gamma", model("trees", "Volume ~ log(Girth)", 'Gamma(link = "log")', "Gamma", link = "log"),
          "~ . + log(Height)", c("Chisq", "F", "Rao"))
add1_case("add1_weights_zero", model("titanic", "Survived ~ Class", "binomial()", "Binomial", weights = "Freq"),
          "~ . + Sex + Age", c("Chisq", "Rao"))

# -- step ----------------------------------------------------------------------------------------------
step_case <- function(id, spec, scope = NULL, direction = NULL, k = 2, test = "none", py_scope = scope) {
  env <- environment()
  m <- fit_model(spec, env)
  args <- list(m, k = k, test = test)
  if (!is.null(scope)) args$scope <- if (is.list(scope)) lapply(scope, as.formula) else as.formula(scope)
  if (!is.null(direction)) args$direction <- direction
  r <- capture(do.call(step, args))
  s <- r$value
  res <- list(path = table_json(s$anova), trace = r$printed, warnings = r$warnings,
              final_formula = paste(deparse(formula(s)), collapse = " "), final_deviance = deviance(s),
              final_aic = s$aic, final_coef = as.list(coef(s)))
  write_case(id, "step", list(spec), res, args = list(scope = py_scope, direction = direction, k = k, test = test))
}

step_case("step_backward", model("mtcars", "mpg ~ wt + hp + cylf + disp + qsec"))
step_case("step_forward", model("mtcars", "mpg ~ 1"), scope = "~ wt + hp + cylf + disp + qsec + wt:hp", direction = "forward")
step_case("step_both_bic", model("mtcars", "mpg ~ wt + hp"), scope = list(lower = "~ wt", upper = "~ wt * hp + cylf"),
          k = log(32))
step_case("step_nothing_dropped", model("esoph", "cbind(ncases, ncontrols) ~ agegp + tobgp + alcgp", "binomial()", "Binomial"))
step_case("step_binomial_interaction", model("budworm", "cbind(numdead, numalive) ~ sex * ldose", "binomial()", "Binomial"))
step_case("step_poisson_offset", model("insurance", "Claims ~ Group + offset(log(Holders))", "poisson()", "Poisson"),
          scope = list(upper = "~ Districtf + Group + Age"))
step_case("step_binomial_chisq", model("infert", "case ~ 1", "binomial()", "Binomial"),
          scope = list(upper = "~ spontaneous + induced + age + education"), test = "Chisq")
step_case("step_weights_zero", model("titanic", "Survived ~ Class + Sex + Age", "binomial()", "Binomial", weights = "Freq"))
step_case("step_aliased", model("mtcars", "mpg ~ wt + wt2 + hp + qsec"), test = "F")
step_case("step_poisson_both", model("warpbreaks", "breaks ~ 1", "poisson()", "Poisson"), scope = "~ wool * tension")

# -- printing details: deparse's line breaks, NA against NaN in print.anova --------------------------
formulas <- c("y ~ a + b", "y~a+b-1",
              "mpg ~ wt + hp + cylf + disp + qsec + drat + gear + carb + vs + am + wt:hp",
              paste("y ~", paste(paste0(letters[1:11], "1234567890"), collapse = " + ")),
              paste("cbind(successes, failures) ~", paste(paste0("x", 1:30), collapse = " + ")))
na_nan <- structure(data.frame(Df = c(NA, 1, 2), Deviance = c(NA, 2, 0), F = c(NA, NaN, 1e-12),
                               "Pr(>F)" = c(NA, NaN, 0.5), check.names = FALSE, row.names = c("NULL", "x", "z")),
                    heading = "A heading", class = c("anova", "data.frame"))
updates <- list(c("y ~ offset(h) + a", "~ . + b"), c("y ~ a * b + offset(h)", "~ . - a:b"), c("y ~ a + offset(h)", "~ . - a"),
                c("y ~ b:a + a * c", "~ . + d"), c("y ~ b:a + a * c - 1", "~ . + d"), c("y ~ tension + wool", "~ . + wool:tension"),
                c("y ~ a + b", "~ . - a - b"), c("y ~ a * b * c", "~ . - a:b:c"), c("y ~ a + b", "log(.) ~ . + a:b"))
writeLines(toJSON(list(updates = lapply(updates, function(u) list(old = u[1], new = u[2],
                                                                   r = paste(deparse(update(as.formula(u[1]), as.formula(u[2]))),
                                                                             collapse = " "))),
                       deparse = lapply(formulas, function(f) list(formula = f, lines = deparse(as.formula(f)))),
                       na_nan = list(columns = lapply(as.list(na_nan), function(v) ifelse(is.nan(v), "NaN", as.character(v))),
                                     rownames = rownames(na_nan),
                                     printed = paste(capture.output(print(na_nan)), collapse = "\n"))),
                  auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           file.path(out, "printing.json"))
