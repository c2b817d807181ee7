//! Autoscale formulas: a small evaluator for assignments such as `$TargetDedicatedNodes = 4;`
//! with arithmetic, comparisons, `?:`, `min`/`max`/`abs`/`floor`/`ceil`/`round` and the
//! pool's current counts. Sampling calls such as `$PendingTasks.GetSample(...)` parse but do
//! not evaluate: a run that uses them records an error and leaves the targets unchanged.
//! Parentheses, calls, `?:` and unary `-` nest at most [`MAX_DEPTH`] levels deep.

use std::collections::BTreeMap;

/// A formula that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError(pub String);

/// The counts a formula can read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs {
    pub current_dedicated: i32,
    pub current_low_priority: i32,
    pub target_dedicated: i32,
    pub target_low_priority: i32,
}

/// What an evaluation decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub target_dedicated: i32,
    pub target_low_priority: i32,
    pub deallocation: String,
    /// `$Name=value` assignments separated by `;`, as `autoScaleRun.results` shows them.
    pub results: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Number(f64),
    Text(String),
}

/// How deep parentheses, call arguments, `?:` branches and unary `-` may nest. Parsing,
/// evaluating and dropping a formula each recurse once per level, so input must not choose the
/// depth: a few thousand levels (the formula limit is 8192 characters) overflow a thread's
/// stack, which aborts the process. Real formulas nest a few levels.
pub const MAX_DEPTH: usize = 64;

/// Chains of one precedence level (`a + b - c`, `a && b || c`) are one node holding their
/// operands in order, so a long flat chain adds no depth.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Number(f64),
    Var(String),
    Word(String),
    Neg(Box<Expr>),
    /// `+ - * /`, applied left to right.
    Arith(Box<Expr>, Vec<(char, Expr)>),
    Compare(&'static str, Box<Expr>, Box<Expr>),
    /// `&& ||`, applied left to right.
    Logic(Box<Expr>, Vec<(&'static str, Expr)>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
    Method(Box<Expr>, String),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Var(String),
    Word(String),
    Op(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<Token>, SyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let literal: String = chars[start..i].iter().collect();
            let n = literal
                .parse()
                .map_err(|_| SyntaxError(format!("bad number `{literal}`")))?;
            tokens.push(Token::Number(n));
        } else if c == '$' || c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            if let Some(var) = name.strip_prefix('$') {
                if var.is_empty() {
                    return Err(SyntaxError("`$` without a variable name".into()));
                }
                tokens.push(Token::Var(var.to_string()));
            } else {
                tokens.push(Token::Word(name));
            }
        } else {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let op = ["<=", ">=", "==", "!=", "&&", "||"]
                .into_iter()
                .find(|op| *op == two)
                .or_else(|| {
                    [
                        "+", "-", "*", "/", "(", ")", ",", "=", ";", "<", ">", "?", ":", ".",
                    ]
                    .into_iter()
                    .find(|op| op.starts_with(c))
                })
                .ok_or_else(|| SyntaxError(format!("unexpected `{c}`")))?;
            i += op.len();
            tokens.push(Token::Op(op));
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Nesting levels open around the current position.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Token::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> Result<(), SyntaxError> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(SyntaxError(format!("expected `{op}`")))
        }
    }

    /// Runs `inner` one nesting level deeper, refusing to go past [`MAX_DEPTH`].
    fn nested<T>(
        &mut self,
        inner: impl FnOnce(&mut Self) -> Result<T, SyntaxError>,
    ) -> Result<T, SyntaxError> {
        if self.depth >= MAX_DEPTH {
            return Err(SyntaxError(format!(
                "the formula nests more than {MAX_DEPTH} levels deep"
            )));
        }
        self.depth += 1;
        let result = inner(self);
        self.depth -= 1;
        result
    }

    /// Every recursion into a full expression (parentheses, arguments, `?:` branches) comes
    /// through here, one level deeper.
    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        self.nested(Self::conditional)
    }

    fn conditional(&mut self) -> Result<Expr, SyntaxError> {
        let cond = self.logical()?;
        if self.eat("?") {
            let yes = self.expr()?;
            self.expect(":")?;
            let no = self.expr()?;
            return Ok(Expr::If(Box::new(cond), Box::new(yes), Box::new(no)));
        }
        Ok(cond)
    }

    fn logical(&mut self) -> Result<Expr, SyntaxError> {
        let first = self.comparison()?;
        let mut rest = Vec::new();
        loop {
            let op = if self.eat("&&") {
                "&&"
            } else if self.eat("||") {
                "||"
            } else {
                break;
            };
            rest.push((op, self.comparison()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Expr::Logic(Box::new(first), rest)
        })
    }

    fn comparison(&mut self) -> Result<Expr, SyntaxError> {
        let left = self.sum()?;
        for op in ["<=", ">=", "==", "!=", "<", ">"] {
            if self.eat(op) {
                let right = self.sum()?;
                return Ok(Expr::Compare(op, Box::new(left), Box::new(right)));
            }
        }
        Ok(left)
    }

    /// One left-to-right chain of the operators `ops` (as tokens, and as `Arith` names them),
    /// over operands parsed by `operand`.
    fn chain(
        &mut self,
        ops: [(&str, char); 2],
        operand: fn(&mut Self) -> Result<Expr, SyntaxError>,
    ) -> Result<Expr, SyntaxError> {
        let first = operand(self)?;
        let mut rest = Vec::new();
        while let Some((_, op)) = ops.into_iter().find(|(token, _)| self.eat(token)) {
            rest.push((op, operand(self)?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Expr::Arith(Box::new(first), rest)
        })
    }

    fn sum(&mut self) -> Result<Expr, SyntaxError> {
        self.chain([("+", '+'), ("-", '-')], Self::product)
    }

    fn product(&mut self) -> Result<Expr, SyntaxError> {
        self.chain([("*", '*'), ("/", '/')], Self::unary)
    }

    fn unary(&mut self) -> Result<Expr, SyntaxError> {
        if self.eat("-") {
            return self.nested(|p| Ok(Expr::Neg(Box::new(p.unary()?))));
        }
        let mut expr = self.primary()?;
        while self.eat(".") {
            let Some(Token::Word(method)) = self.peek().cloned() else {
                return Err(SyntaxError("expected a method name after `.`".into()));
            };
            self.pos += 1;
            self.expect("(")?;
            self.arguments()?;
            // Only the last method of a chain is ever named (none evaluates), so a chain
            // `$x.a().b()` keeps one level however long it is.
            expr = match expr {
                Expr::Method(target, _) => Expr::Method(target, method),
                other => Expr::Method(Box::new(other), method),
            };
        }
        Ok(expr)
    }

    fn arguments(&mut self) -> Result<Vec<Expr>, SyntaxError> {
        let mut args = Vec::new();
        if self.eat(")") {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat(")") {
                return Ok(args);
            }
            self.expect(",")?;
        }
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        match self.peek().cloned() {
            Some(Token::Number(n)) => {
                self.pos += 1;
                Ok(Expr::Number(n))
            }
            Some(Token::Var(name)) => {
                self.pos += 1;
                Ok(Expr::Var(name))
            }
            Some(Token::Word(word)) => {
                self.pos += 1;
                if self.eat("(") {
                    Ok(Expr::Call(word, self.arguments()?))
                } else {
                    Ok(Expr::Word(word))
                }
            }
            Some(Token::Op("(")) => {
                self.pos += 1;
                let inner = self.expr()?;
                self.expect(")")?;
                Ok(inner)
            }
            Some(Token::Op(op)) => Err(SyntaxError(format!("unexpected `{op}`"))),
            None => Err(SyntaxError("unexpected end of formula".into())),
        }
    }
}

/// A parsed formula: assignments in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula(Vec<(String, Expr)>);

/// Parses a formula: statements `$Name = expression` (or `Name = ...`) separated by `;`.
pub fn parse(text: &str) -> Result<Formula, SyntaxError> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        pos: 0,
        depth: 0,
    };
    let mut statements = Vec::new();
    while parser.peek().is_some() {
        if parser.eat(";") {
            continue;
        }
        let name = match parser.peek().cloned() {
            Some(Token::Var(n)) | Some(Token::Word(n)) => n,
            _ => {
                return Err(SyntaxError(
                    "a statement must start with a variable name".into(),
                ));
            }
        };
        parser.pos += 1;
        parser.expect("=")?;
        let expr = parser.expr()?;
        statements.push((name, expr));
        if parser.peek().is_some() {
            parser.expect(";")?;
        }
    }
    if statements.is_empty() {
        return Err(SyntaxError("the formula has no assignment".into()));
    }
    Ok(Formula(statements))
}

const DEALLOCATION: &str = "NodeDeallocationOption";

impl Formula {
    /// Runs the formula against the pool's counts.
    ///
    /// Inferred: `$TargetDedicatedNodes` and `$TargetLowPriorityNodes` start at the pool's
    /// current targets, so a target the formula does not assign keeps its value.
    pub fn evaluate(&self, inputs: Inputs) -> Result<Outcome, String> {
        let mut vars: BTreeMap<String, Value> = BTreeMap::new();
        let system = [
            ("CurrentDedicatedNodes", inputs.current_dedicated),
            ("CurrentLowPriorityNodes", inputs.current_low_priority),
            ("TargetDedicatedNodes", inputs.target_dedicated),
            ("TargetLowPriorityNodes", inputs.target_low_priority),
        ];
        for (name, value) in system {
            vars.insert(name.to_string(), Value::Number(f64::from(value)));
        }
        vars.insert(DEALLOCATION.to_string(), Value::Text("requeue".into()));
        let mut assigned: Vec<String> = Vec::new();
        for (name, expr) in &self.0 {
            let value = eval(expr, &vars)?;
            if !assigned.contains(name) {
                assigned.push(name.clone());
            }
            vars.insert(name.clone(), value);
        }
        let count = |name: &str| -> Result<i32, String> {
            match vars.get(name) {
                Some(Value::Number(n)) if n.is_finite() => {
                    Ok(n.max(0.0).min(f64::from(i32::MAX)) as i32)
                }
                Some(_) => Err(format!("${name} must be a number")),
                None => Ok(0),
            }
        };
        let target_dedicated = count("TargetDedicatedNodes")?;
        let target_low_priority = count("TargetLowPriorityNodes")?;
        let deallocation = match vars.get(DEALLOCATION) {
            Some(Value::Text(t)) => t.to_ascii_lowercase(),
            _ => return Err(format!("${DEALLOCATION} must be a deallocation option")),
        };
        let mut results = vec![
            format!("$TargetDedicatedNodes={target_dedicated}"),
            format!("$TargetLowPriorityNodes={target_low_priority}"),
            format!("${DEALLOCATION}={deallocation}"),
        ];
        for name in assigned {
            if [
                "TargetDedicatedNodes",
                "TargetLowPriorityNodes",
                DEALLOCATION,
            ]
            .contains(&name.as_str())
            {
                continue;
            }
            let shown = match &vars[&name] {
                Value::Number(n) => format_number(*n),
                Value::Text(t) => t.clone(),
            };
            results.push(format!("${name}={shown}"));
        }
        Ok(Outcome {
            target_dedicated,
            target_low_priority,
            deallocation,
            results: results.join(";"),
        })
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn number(v: Value) -> Result<f64, String> {
    match v {
        Value::Number(n) => Ok(n),
        Value::Text(t) => Err(format!("`{t}` is not a number")),
    }
}

/// A comparison or logical operator's result: 1 for true, 0 for false.
fn truth(op: &str, a: f64, b: f64) -> f64 {
    let holds = match op {
        "<" => a < b,
        ">" => a > b,
        "<=" => a <= b,
        ">=" => a >= b,
        "==" => a == b,
        "!=" => a != b,
        "&&" => a != 0.0 && b != 0.0,
        _ => a != 0.0 || b != 0.0,
    };
    if holds { 1.0 } else { 0.0 }
}

fn eval(expr: &Expr, vars: &BTreeMap<String, Value>) -> Result<Value, String> {
    let num = |e: &Expr| eval(e, vars).and_then(number);
    Ok(match expr {
        Expr::Number(n) => Value::Number(*n),
        Expr::Var(name) => vars
            .get(name)
            .cloned()
            .ok_or_else(|| format!("${name} is not a variable this service evaluates"))?,
        Expr::Word(word) => {
            let lower = word.to_ascii_lowercase();
            match lower.as_str() {
                "requeue" | "terminate" | "taskcompletion" | "retaineddata" => Value::Text(lower),
                "true" => Value::Number(1.0),
                "false" => Value::Number(0.0),
                _ => vars
                    .get(word.as_str())
                    .cloned()
                    .ok_or_else(|| format!("`{word}` is not defined"))?,
            }
        }
        Expr::Neg(inner) => Value::Number(-num(inner)?),
        Expr::Arith(first, rest) => {
            let mut a = num(first)?;
            for (op, b) in rest {
                let b = num(b)?;
                a = match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    _ if b == 0.0 => return Err("division by zero".into()),
                    _ => a / b,
                };
            }
            Value::Number(a)
        }
        Expr::Compare(op, a, b) => Value::Number(truth(op, num(a)?, num(b)?)),
        Expr::Logic(first, rest) => {
            let mut a = num(first)?;
            for (op, b) in rest {
                a = truth(op, a, num(b)?);
            }
            Value::Number(a)
        }
        Expr::If(cond, yes, no) => {
            if num(cond)? != 0.0 {
                eval(yes, vars)?
            } else {
                eval(no, vars)?
            }
        }
        Expr::Call(name, args) => {
            let values = args.iter().map(num).collect::<Result<Vec<f64>, String>>()?;
            let one = || {
                values
                    .first()
                    .copied()
                    .ok_or_else(|| format!("{name}() needs an argument"))
            };
            Value::Number(match name.to_ascii_lowercase().as_str() {
                "min" if !values.is_empty() => values.iter().copied().fold(f64::INFINITY, f64::min),
                "max" if !values.is_empty() => {
                    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                }
                "abs" => one()?.abs(),
                "floor" => one()?.floor(),
                "ceil" => one()?.ceil(),
                "round" => one()?.round(),
                _ => return Err(format!("{name}() is not a function this service evaluates")),
            })
        }
        Expr::Method(_, method) => {
            return Err(format!(
                "{method}() samples metrics, which this service does not evaluate"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(formula: &str) -> Result<Outcome, String> {
        let inputs = Inputs {
            current_dedicated: 2,
            ..Inputs::default()
        };
        parse(formula).unwrap().evaluate(inputs)
    }

    #[test]
    fn plain_assignments() {
        let out = run("$TargetDedicatedNodes = 3;\n$TargetLowPriorityNodes=1;").unwrap();
        assert_eq!((out.target_dedicated, out.target_low_priority), (3, 1));
        assert_eq!(
            out.results,
            "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=1;$NodeDeallocationOption=requeue"
        );
    }

    #[test]
    fn expressions_and_user_variables() {
        let out = run("cap = 5; $want = $CurrentDedicatedNodes * 2 + 1; \
             $TargetDedicatedNodes = min($want, cap); \
             $NodeDeallocationOption = taskcompletion;")
        .unwrap();
        assert_eq!(out.target_dedicated, 5);
        assert_eq!(out.deallocation, "taskcompletion");
        assert!(out.results.ends_with("$cap=5;$want=5"), "{}", out.results);
        let out = run("$TargetDedicatedNodes = $CurrentDedicatedNodes > 1 ? 0 : 4;").unwrap();
        assert_eq!(out.target_dedicated, 0);
    }

    #[test]
    fn sampling_parses_but_does_not_evaluate() {
        let formula =
            "$tasks = $PendingTasks.GetSample(1); $TargetDedicatedNodes = max(0, $tasks);";
        assert!(run(formula).unwrap_err().contains("GetSample"));
    }

    #[test]
    fn chains_keep_their_order_and_precedence() {
        let target = |formula: &str| run(formula).unwrap().target_dedicated;
        assert_eq!(target("$TargetDedicatedNodes = 10 - 3 - 2;"), 5);
        assert_eq!(target("$TargetDedicatedNodes = 2 + 3 * 4 - 8 / 2 / 2;"), 12);
        assert_eq!(target("$TargetDedicatedNodes = (1 || 0) && 0 ? 7 : 9;"), 9);
        assert_eq!(target("$TargetDedicatedNodes = 1 && 1 || 0 ? 7 : 9;"), 7);
        assert_eq!(target("$TargetDedicatedNodes = 0 ? 1 : 0 ? 2 : 3;"), 3);
        assert!(run("$TargetDedicatedNodes = 1 / (2 - 2);").is_err());
        let long = format!("$TargetDedicatedNodes = {}1;", "1 + ".repeat(5000));
        assert_eq!(target(&long), 5001);
        let methods = format!("$x = $PendingTasks{};", ".GetSample(1)".repeat(1000));
        assert!(run(&methods).unwrap_err().contains("GetSample"));
    }

    #[test]
    fn nesting_is_bounded() {
        let nested = |depth: usize| {
            format!(
                "$TargetDedicatedNodes = {}1{};",
                "(".repeat(depth),
                ")".repeat(depth)
            )
        };
        // The assignment's own expression is one level.
        assert!(parse(&nested(MAX_DEPTH - 1)).is_ok());
        for deep in [
            nested(MAX_DEPTH),
            nested(100_000),
            format!("$TargetDedicatedNodes = {}1;", "-".repeat(100_000)),
            format!(
                "$TargetDedicatedNodes = {}1{};",
                "max(".repeat(50_000),
                ")".repeat(50_000)
            ),
            format!("$TargetDedicatedNodes = {}1;", "1 ? 1 : ".repeat(50_000)),
            format!("$TargetDedicatedNodes = {}1;", "1 ? ".repeat(50_000)),
            format!(
                "$x = $PendingTasks.GetSample({}1{});",
                "(".repeat(50_000),
                ")".repeat(50_000)
            ),
        ] {
            let err = parse(&deep).unwrap_err().0;
            assert!(err.contains("levels deep"), "{err}");
        }
    }

    #[test]
    fn syntax_errors() {
        for bad in [
            "",
            "$TargetDedicatedNodes",
            "$TargetDedicatedNodes = ;",
            "$x = (1",
            "= 3",
            "$x = 1 2",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
